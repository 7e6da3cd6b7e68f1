/**
 * Authentication failures: a ActorwireError (code `UNAUTHORIZED`, HTTP 401) with a stable
 * machine `reason`. The human `message` stays within docs/protocol.md's texts
 * (`authentication required` / `invalid token` / `token expired`); the reason says why.
 */
import { ActorwireError } from '@actorwire/core';
import {
  errors as joseErrors,
} from 'jose';

/** Every reason a token (or its absence) can be refused for. README "Failure reasons" documents each. */
export const AuthReasons = {
  /** No token where one is required (or `Authorization: Bearer` with nothing after it). */
  missing_token: 'authentication required',
  /** No key is configured (open mode) but the route requires authentication. */
  missing_secret: 'authentication required',
  /** Not a compact JWS (three base64url parts), bad JSON, or over `maxTokenLength`. */
  malformed: 'invalid token',
  /** The signature does not verify with the configured key(s). */
  bad_signature: 'invalid token',
  /** The header `alg` is not allowed for any configured key (`none`, RS256 against a secret, HS256 against a public key, …). */
  algorithm_not_allowed: 'invalid token',
  /** The header lists a critical extension (`crit`) this server does not implement. */
  unsupported_header: 'invalid token',
  /** `exp` has passed (beyond the clock tolerance). */
  expired: 'token expired',
  /** `nbf` is in the future (beyond the clock tolerance). */
  not_yet_valid: 'invalid token',
  /** `iss` is missing or not one of the accepted issuers. */
  issuer: 'invalid token',
  /** `aud` is missing or names none of the accepted audiences. */
  audience: 'invalid token',
  /** A claim listed in `requiredClaims` is missing. */
  missing_claim: 'invalid token',
  /** A registered claim has the wrong type (e.g. `exp` that is not a number). */
  invalid_claim: 'invalid token',
  /** None of the user id claims (`sub`, `user_id` by default) holds a non-empty value. */
  missing_subject: 'invalid token',
  /** The JWKS has no key for the token's `kid`/`alg` (also after a refetch). */
  no_matching_key: 'invalid token',
  /** The JWKS could not be fetched (network error, timeout, non-200, invalid JSON): a server-side problem, HTTP 503. */
  key_unavailable: 'authentication unavailable',
  /** The upgrade carried two different tokens (e.g. one in `Authorization`, another in the path or query). */
  conflicting_tokens: 'invalid token',
  /** An `auth` message carried a valid token of a different user than the session's. */
  wrong_user: 'token belongs to another user',
  /** HTTP routes only: the token is valid but its role is not allowed (HTTP 403, code FORBIDDEN). */
  insufficient_role: 'insufficient role',
} as const;

export type AuthReason = keyof typeof AuthReasons;

export class AuthError extends ActorwireError {
  readonly reason: AuthReason;
  /** Safe detail for logs (never the token). */
  readonly detail: string | undefined;

  constructor(reason: AuthReason, detail?: string, cause?: unknown) {
    const status = reason === 'key_unavailable' ? 503 : reason === 'insufficient_role' ? 403 : 401;
    const code = reason === 'insufficient_role' ? 'FORBIDDEN' : 'UNAUTHORIZED';
    super(code, AuthReasons[reason], { status, cause });
    this.name = 'AuthError';
    this.reason = reason;
    this.detail = detail;
  }

  /** The JSON body of an HTTP refusal (upgrade or plugin route). */
  override body(): Record<string, unknown> {
    return { error: this.message, code: this.code, reason: this.reason };
  }

  /** An `error` frame for the `auth` message, with the reason as an extra field. */
  frame(): { type: 'error'; error: string; code: string; reason: AuthReason } {
    return { type: 'error', error: this.message, code: this.code, reason: this.reason };
  }
}

export function isAuthError(err: unknown): err is AuthError {
  return err instanceof AuthError;
}

/** Translate what jose throws into a reason. Anything unexpected while fetching keys is `key_unavailable`. */
export function fromJoseError(err: unknown, fetchingKeys: boolean): AuthError {
  if (err instanceof AuthError) return err;
  if (err instanceof joseErrors.JWTExpired) return new AuthError('expired', err.message, err);
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'nbf':
        return new AuthError(err.reason === 'check_failed' ? 'not_yet_valid' : 'invalid_claim', err.message, err);
      case 'iss':
        return new AuthError('issuer', err.message, err);
      case 'aud':
        return new AuthError('audience', err.message, err);
      default:
        return new AuthError(err.reason === 'missing' ? 'missing_claim' : 'invalid_claim', err.message, err);
    }
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return new AuthError('algorithm_not_allowed', err.message, err);
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return new AuthError('bad_signature', err.message, err);
  if (err instanceof joseErrors.JWKSNoMatchingKey) return new AuthError('no_matching_key', err.message, err);
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) return new AuthError('key_unavailable', err.message, err);
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return new AuthError('malformed', err.message, err);
  if (err instanceof joseErrors.JOSENotSupported) {
    // jose's words for a `crit` it does not implement: the header, not the algorithm, is refused.
    const crit = /Extension Header Parameter|"crit"/.test(err.message);
    return new AuthError(crit ? 'unsupported_header' : 'algorithm_not_allowed', err.message, err);
  }
  if (fetchingKeys) {
    // fetch() network errors are TypeErrors; a non-200 answer is a generic JOSEError.
    return new AuthError('key_unavailable', (err as Error)?.message ?? String(err), err);
  }
  if (err instanceof joseErrors.JOSEError) return new AuthError('malformed', err.message, err);
  // A key that does not fit the algorithm (TypeError from jose) is a refusal, not a crash.
  return new AuthError('bad_signature', (err as Error)?.message ?? String(err), err);
}
