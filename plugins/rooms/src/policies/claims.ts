/**
 * The realtime service's claims rules (the default policy set, used when no BACKEND_URL is set):
 *   order-{id}:  the user id is {id}, or the role is admin;
 *   seller-{id}: the seller claim (`sellerIdClaim`, default seller_id) is {id}, the role is
 *                seller, or the role is admin;
 *   other rooms: authenticated users (optionally only `roomRoles`), admins; anonymous
 *                sessions when `allowAnonymous` (open mode / optional routes).
 */
import { claimAsId, readClaim, type Identity, type Policy } from '@actorwire/core';
import { hasAnyRole, type Rooms } from '../runtime.js';

export function orderAllowed(r: Rooms, identity: Identity | undefined, orderId: string): boolean {
  if (!identity) return false;
  return identity.userId === orderId || r.isAdmin(identity);
}

export function sellerAllowed(r: Rooms, identity: Identity | undefined, sellerId: string): boolean {
  if (!identity) return false;
  // The seller claim is this policy pack's business, not the kernel's: read from the raw claims.
  const claim = claimAsId(readClaim(identity.claims ?? {}, r.opts.sellerIdClaim));
  if (claim !== undefined && claim === sellerId) return true;
  return identity.role === 'seller' || hasAnyRole(identity, ['seller']) || r.isAdmin(identity);
}

export function roomAllowed(r: Rooms, identity: Identity | undefined): boolean {
  if (!identity) return r.opts.allowAnonymous;
  if (r.opts.roomRoles.length === 0) return true;
  return hasAnyRole(identity, r.opts.roomRoles) || r.isAdmin(identity);
}

export function claimsPolicies(r: Rooms): { order: Policy; seller: Policy; room: Policy } {
  return {
    order: ({ session, params }) => orderAllowed(r, session.identity, params.id ?? ''),
    seller: ({ session, params }) => sellerAllowed(r, session.identity, params.id ?? ''),
    room: ({ session }) => roomAllowed(r, session.identity),
  };
}
