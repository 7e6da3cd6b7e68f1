/**
 * Token verification with jose: pick the keys whose allow-list has the token's `alg`, verify
 * with an explicit `algorithms` list, check iss/aud/nbf/exp/required claims, map the claims.
 */
import { decodeProtectedHeader, jwtVerify, type JWTVerifyOptions } from 'jose';
import type { Identity } from '@actorwire/core';
import { toIdentity, type ClaimNames } from './claims.js';
import { AuthError, fromJoseError } from './errors.js';
import type { KeySource, RemoteKeySet } from './keys.js';
import type { KeyObject } from 'node:crypto';

export interface VerifierOptions extends ClaimNames {
  keys: readonly KeySource[];
  issuer: string[];
  audience: string[];
  clockTolerance: number;
  requiredClaims: string[];
  maxTokenLength: number;
  /** Told about every JWKS outcome, for /health. */
  onJwks?(ok: boolean, err?: AuthError): void;
}

export interface Verifier {
  verify(token: string): Promise<Identity>;
  /** Every algorithm some configured key accepts. */
  readonly algorithms: readonly string[];
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
    async verify(token: string): Promise<Identity> {
      if (typeof token !== 'string' || token === '') throw new AuthError('missing_token');
      if (token.length > opts.maxTokenLength) throw new AuthError('malformed', `token longer than ${opts.maxTokenLength} characters`);
      if (!JWS_COMPACT.test(token)) throw new AuthError('malformed', 'not a compact JWS (header.payload.signature)');
      let alg: unknown;
      try {
        alg = decodeProtectedHeader(token).alg;
      } catch (err) {
        throw new AuthError('malformed', `unreadable header: ${(err as Error).message}`);
      }
      if (typeof alg !== 'string' || alg.toLowerCase() === 'none') {
        throw new AuthError('algorithm_not_allowed', `alg ${JSON.stringify(alg ?? null)} is never allowed`);
      }
      const candidates = opts.keys.filter((k) => k.algorithms.includes(alg as string));
      if (candidates.length === 0) {
        throw new AuthError('algorithm_not_allowed', `alg ${alg} is not allowed (allowed: ${algorithms.join(', ')})`);
      }
      // Several keys may accept the alg (PEM blocks during a rotation, PEM and JWKS):
      // a key that does not match is no verdict; any other failure is.
      let last: AuthError | undefined;
      for (const source of candidates) {
        try {
          return await verifyWith(source, token);
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
