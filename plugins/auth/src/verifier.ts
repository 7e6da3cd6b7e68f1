/**
 * Token verification: pick the keys whose allow-list has the token's `alg`, verify with an
 * explicit `algorithms` list, check iss/aud/nbf/exp/required claims, map the claims.
 *
 * Verified tokens are remembered (token-cache.ts), and plain HMAC tokens are verified
 * synchronously (hmac.ts): both answer without a promise, so an upgrade carrying such a token
 * completes in the tick it arrived in. Everything else (public keys, JWKS, JWS extensions)
 * goes through jose.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, type JWTVerifyOptions } from 'jose';
import type { Identity } from '@actorwire/core';
import { toIdentity, type ClaimNames } from './claims.js';
import { AuthError, fromJoseError } from './errors.js';
import { isPlainHmacHeader, verifyHmacToken, type ClaimRules } from './hmac.js';
import type { KeySource, RemoteKeySet } from './keys.js';
import { VerifiedTokenCache } from './token-cache.js';

export interface VerifierOptions extends ClaimNames {
  keys: readonly KeySource[];
  issuer: string[];
  audience: string[];
  clockTolerance: number;
  requiredClaims: string[];
  maxTokenLength: number;
  /** Verified-token cache: entries (0 disables) and the longest an entry is trusted (ms). */
  cache?: { maxEntries: number; maxAge: number };
  /** Epoch ms (tests move it). */
  now?: () => number;
  /** Told about every JWKS outcome, for /health. */
  onJwks?(ok: boolean, err?: AuthError): void;
}

export interface Verifier {
  verify(token: string): Promise<Identity>;
  /**
   * The verdict when it needs no await (a cached token, a plain HMAC token): the identity, or
   * an AuthError thrown. `undefined`: only `verify` can tell (public key, JWKS).
   */
  verifySync(token: string): Identity | undefined;
  /** Every algorithm some configured key accepts. */
  readonly algorithms: readonly string[];
  readonly cache: VerifiedTokenCache;
}

/** A token that passed the checks every path shares, with what the next step needs. */
interface Prepared {
  alg: string;
  header: Record<string, unknown>;
  candidates: readonly KeySource[];
}

const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function createVerifier(opts: VerifierOptions): Verifier {
  const algorithms = [...new Set(opts.keys.flatMap((k) => k.algorithms))];
  const base: JWTVerifyOptions = {
    clockTolerance: opts.clockTolerance / 1000,
    ...(opts.issuer.length > 0 ? { issuer: opts.issuer } : {}),
    ...(opts.audience.length > 0 ? { audience: opts.audience } : {}),
    ...(opts.requiredClaims.length > 0 ? { requiredClaims: opts.requiredClaims } : {}),
  };

  const now = opts.now ?? Date.now;
  const cache = new VerifiedTokenCache(opts.cache?.maxEntries ?? 0, opts.cache?.maxAge ?? 0);
  const rules: ClaimRules = { issuer: opts.issuer, audience: opts.audience, requiredClaims: opts.requiredClaims, clockTolerance: opts.clockTolerance };
  const secret = opts.keys.find((k) => k.kind === 'secret');
  const hmacKey: KeyObject | undefined = secret ? createSecretKey(secret.key as Uint8Array) : undefined;

  /** The shared checks; a cached identity short-cuts everything else. */
  function prepare(token: string): Identity | Prepared {
    if (typeof token !== 'string' || token === '') throw new AuthError('missing_token');
    if (token.length > opts.maxTokenLength) throw new AuthError('malformed', `token longer than ${opts.maxTokenLength} characters`);
    if (cache.enabled) {
      const hit = cache.get(token, now());
      if (hit !== undefined) return hit;
    }
    if (!JWS_COMPACT.test(token)) throw new AuthError('malformed', 'not a compact JWS (header.payload.signature)');
    let header: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(token) as Record<string, unknown>;
    } catch (err) {
      throw new AuthError('malformed', `unreadable header: ${(err as Error).message}`);
    }
    const alg = header.alg;
    if (typeof alg !== 'string' || alg.toLowerCase() === 'none') {
      throw new AuthError('algorithm_not_allowed', `alg ${JSON.stringify(alg ?? null)} is never allowed`);
    }
    const candidates = opts.keys.filter((k) => k.algorithms.includes(alg));
    if (candidates.length === 0) {
      throw new AuthError('algorithm_not_allowed', `alg ${alg} is not allowed (allowed: ${algorithms.join(', ')})`);
    }
    return { alg, header, candidates };
  }

  /** A plain HMAC token against the secret (the only key HS* algorithms go with): verified here and now. */
  function verifyHmac(token: string, p: Prepared): Identity | undefined {
    if (hmacKey === undefined || p.candidates.length !== 1 || p.candidates[0] !== secret || !isPlainHmacHeader(p.header)) return undefined;
    const at = now();
    const identity = toIdentity(verifyHmacToken(token, p.alg, hmacKey, rules, at), opts, opts.clockTolerance);
    cache.set(token, identity, at);
    return identity;
  }

  async function verifyWith(source: KeySource, token: string): Promise<Identity> {
    const options: JWTVerifyOptions = { ...base, algorithms: [...source.algorithms] };
    try {
      const { payload } = source.kind === 'jwks'
        ? await jwtVerify(token, source.key as RemoteKeySet, options)
        : await jwtVerify(token, source.key as Uint8Array | KeyObject, options);
      if (source.kind === 'jwks') opts.onJwks?.(true);
      return toIdentity(payload, opts, opts.clockTolerance);
    } catch (err) {
      if (err instanceof AuthError) throw err;
      const mapped = fromJoseError(err, source.kind === 'jwks');
      if (source.kind === 'jwks') opts.onJwks?.(mapped.reason !== 'key_unavailable', mapped);
      throw mapped;
    }
  }

  return {
    algorithms,
    cache,
    verifySync(token: string): Identity | undefined {
      const p = prepare(token);
      return 'userId' in p ? p : verifyHmac(token, p);
    },
    async verify(token: string): Promise<Identity> {
      const p = prepare(token);
      if ('userId' in p) return p;
      const quick = verifyHmac(token, p);
      if (quick !== undefined) return quick;
      // Several keys may accept the alg (PEM blocks during a rotation, PEM and JWKS):
      // a key that does not match is no verdict; any other failure is.
      let last: AuthError | undefined;
      for (const source of p.candidates) {
        try {
          const identity = await verifyWith(source, token);
          cache.set(token, identity, now());
          return identity;
        } catch (err) {
          const e = err as AuthError;
          if (e.reason !== 'bad_signature' && e.reason !== 'no_matching_key') throw e;
          last = e;
        }
      }
      throw last!;
    },
  };
}
