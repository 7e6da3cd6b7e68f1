/** Reading an identity's claims: generic helpers for auth plugins and policy packs. */
import type { Identity } from '../types.js';

/**
 * A claim by name; a dotted name that is not itself a claim is read as a path (`realm.role`).
 * Only own properties are read, so a claim name from configuration cannot reach the prototype.
 */
export function readClaim(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(claims, name)) return claims[name];
  if (!name.includes('.')) return undefined;
  let cur: unknown = claims;
  for (const part of name.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** A claim as an id: a non-blank string, or a finite number as a string. */
export function claimAsId(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Whether the identity carries one of `roles`: its `role`, or a `roles` claim when it is a list. */
export function hasAnyRole(identity: Identity, roles: ReadonlySet<string> | readonly string[]): boolean {
  const has = (r: string) => (roles instanceof Set ? roles.has(r) : (roles as readonly string[]).includes(r));
  if (identity.role !== undefined && has(identity.role)) return true;
  const list = identity.claims?.roles;
  return Array.isArray(list) && list.some((r) => typeof r === 'string' && has(r));
}
