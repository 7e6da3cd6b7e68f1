/**
 * HS256/384/512 verification of a compact JWS, synchronously with node:crypto: an HMAC is a
 * few microseconds of CPU, so the upgrade that carries the token can finish in the same tick
 * instead of hopping through WebCrypto's thread pool and a promise chain.
 *
 * Only plain tokens take this path: a header with anything beyond `alg`, `typ`, `kid` (`crit`,
 * `b64`, …) goes to jose, which implements those extensions. The claim checks (`checkClaims`)
 * follow jose's `jwtVerify` exactly, so both paths give the same verdict and the same reason;
 * the auth tests run their token table through both.
 */
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { AuthError } from './errors.js';

const HASHES: ReadonlyMap<string, string> = new Map([['HS256', 'sha256'], ['HS384', 'sha384'], ['HS512', 'sha512']]);
const PLAIN_HEADER = new Set(['alg', 'typ', 'kid']);
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export interface ClaimRules {
  issuer: readonly string[];
  audience: readonly string[];
  requiredClaims: readonly string[];
  /** Leeway for exp/nbf, in ms. */
  clockTolerance: number;
}

/** True when this path may verify a token with this (already parsed) header. */
export function isPlainHmacHeader(header: Record<string, unknown>): boolean {
  if (typeof header.alg !== 'string' || !HASHES.has(header.alg)) return false;
  for (const k of Object.keys(header)) if (!PLAIN_HEADER.has(k)) return false;
  return true;
}

/** jose's notion of a JSON object: a plain object, not an array or anything else. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * Verify the signature of `token` (already checked to be three base64url parts) with `key`
 * and return its claims, checked by `checkClaims`. Throws AuthError.
 */
export function verifyHmacToken(token: string, alg: string, key: KeyObject, rules: ClaimRules, nowMs: number): Record<string, unknown> {
  const hash = HASHES.get(alg);
  if (hash === undefined) throw new AuthError('algorithm_not_allowed', `alg ${alg} is not an HMAC algorithm`);
  const lastDot = token.lastIndexOf('.');
  const signature = Buffer.from(token.slice(lastDot + 1), 'base64url');
  const expected = createHmac(hash, key).update(token.slice(0, lastDot)).digest();
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
    throw new AuthError('bad_signature', 'signature verification failed');
  }
  let claims: unknown;
  try {
    claims = JSON.parse(strictUtf8.decode(Buffer.from(token.slice(token.indexOf('.') + 1, lastDot), 'base64url')));
  } catch {
    throw new AuthError('malformed', 'JWT Claims Set must be a top-level JSON object');
  }
  if (!isPlainObject(claims)) throw new AuthError('malformed', 'JWT Claims Set must be a top-level JSON object');
  checkClaims(claims, rules, nowMs);
  return claims;
}

function numericDate(claims: Record<string, unknown>, claim: string): number | undefined {
  const v = claims[claim];
  if (v === undefined) return undefined;
  if (typeof v !== 'number') throw new AuthError('invalid_claim', `"${claim}" claim must be a number`);
  return v;
}

/** The registered-claim checks of jose's jwtVerify, in its order, with its reasons. */
export function checkClaims(claims: Record<string, unknown>, rules: ClaimRules, nowMs: number): void {
  const presence = [...rules.requiredClaims];
  if (rules.audience.length > 0) presence.push('aud');
  if (rules.issuer.length > 0) presence.push('iss');
  for (const claim of new Set(presence.reverse())) {
    if (!Object.hasOwn(claims, claim)) {
      const reason = claim === 'iss' ? 'issuer' : claim === 'aud' ? 'audience' : 'missing_claim';
      throw new AuthError(reason, `missing required "${claim}" claim`);
    }
  }
  if (rules.issuer.length > 0 && !rules.issuer.includes(claims.iss as string)) throw new AuthError('issuer', 'unexpected "iss" claim value');
  if (rules.audience.length > 0) {
    const aud = claims.aud;
    const ok = typeof aud === 'string' ? rules.audience.includes(aud) : Array.isArray(aud) ? rules.audience.some((a) => aud.includes(a)) : false;
    if (!ok) throw new AuthError('audience', 'unexpected "aud" claim value');
  }
  const tolerance = rules.clockTolerance / 1000;
  const now = Math.floor(nowMs / 1000);
  numericDate(claims, 'iat');
  const nbf = numericDate(claims, 'nbf');
  if (nbf !== undefined && nbf > now + tolerance) throw new AuthError('not_yet_valid', '"nbf" claim timestamp check failed');
  const exp = numericDate(claims, 'exp');
  if (exp !== undefined && exp <= now - tolerance) throw new AuthError('expired', '"exp" claim timestamp check failed');
}
