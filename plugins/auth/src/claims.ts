/** From a verified JWT payload to the kernel's Identity; claim names are configurable. */
import { claimAsId as asId, readClaim, type Identity } from '@actorwire/core';
import type { JWTPayload } from 'jose';
import { AuthError } from './errors.js';

export interface ClaimNames {
  userIdClaims: readonly string[];
  roleClaim: string;
}

/**
 * Build the identity. `expiresAt` is `exp` plus the clock tolerance, in ms: the moment the
 * kernel closes the session (4401) unless a fresh token arrives first.
 */
export function toIdentity(payload: JWTPayload, names: ClaimNames, clockToleranceMs: number): Identity {
  const claims = payload as Record<string, unknown>;
  let userId: string | undefined;
  for (const name of names.userIdClaims) {
    userId = asId(readClaim(claims, name));
    if (userId !== undefined) break;
  }
  if (userId === undefined) throw new AuthError('missing_subject', `none of the claims ${names.userIdClaims.join(', ')} holds a user id`);
  const identity: Identity = { userId, claims };
  const role = asId(readClaim(claims, names.roleClaim));
  if (role !== undefined) identity.role = role;
  if (typeof payload.exp === 'number') identity.expiresAt = Math.floor(payload.exp * 1000) + clockToleranceMs;
  return identity;
}
