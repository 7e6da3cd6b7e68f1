/**
 * The realtime service's claims rules (the default policy set, used when no BACKEND_URL is set):
 *   order-{id}:  the user id is {id}, or the role is admin;
 *   seller-{id}: the seller_id claim is {id}, the role is seller, or the role is admin;
 *   other rooms: authenticated users (optionally only `roomRoles`), admins; anonymous
 *                sessions when `allowAnonymous` (open mode / optional routes).
 */
import type { Identity, Policy } from '@actorwire/core';
import { hasAnyRole, type Rooms } from '../runtime.js';

export function orderAllowed(r: Rooms, identity: Identity | undefined, orderId: string): boolean {
  if (!identity) return false;
  return identity.userId === orderId || r.isAdmin(identity);
}

export function sellerAllowed(r: Rooms, identity: Identity | undefined, sellerId: string): boolean {
  if (!identity) return false;
  if (identity.sellerId !== undefined && String(identity.sellerId) === sellerId) return true;
  const claim = identity.claims?.seller_id;
  if (claim !== undefined && claim !== null && String(claim) === sellerId) return true;
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
