/** From a verified JWT payload to the kernel's Identity; claim names are configurable. */
import type { Identity } from '@actorwire/core';
import type { JWTPayload } from 'jose';
import { AuthError } from './errors.js';

export interface ClaimNames {
  userIdClaims: readonly string[];
  roleClaim: string;
  sellerIdClaim: string;
}

/** A claim by name; a dotted name that is not itself a claim is read as a path (`realm.role`). */
export function readClaim(payload: Record<string, unknown>, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(payload, name)) return payload[name];
  if (!name.includes('.')) return undefined;
  let cur: unknown = payload;
  for (const part of name.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function asId(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
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
  const sellerId = asId(readClaim(claims, names.sellerIdClaim));
  if (sellerId !== undefined) identity.sellerId = sellerId;
  if (typeof payload.exp === 'number') identity.expiresAt = Math.floor(payload.exp * 1000) + clockToleranceMs;
  return identity;
}
