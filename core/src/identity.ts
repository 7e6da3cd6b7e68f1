/** Reading an identity's claims: generic helpers for auth plugins and policy packs. */

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
