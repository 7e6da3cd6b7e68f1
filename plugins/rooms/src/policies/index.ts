/**
 * The plugin's named policies and the topic patterns bound to them. Every rule is a named
 * policy, so another plugin can replace one (`ctx.policies.override('rooms.order', fn)`,
 * registered after this plugin: `dependsOn: ['rooms']`) or bind its own, more specific
 * pattern (`ctx.topics.define('game-{id}', { authorize: 'games.member' })`): the most
 * specific pattern wins.
 *
 *   pattern         subscribe              publish
 *   order-{id}      rooms.order            rooms.order.publish
 *   seller-{id}     rooms.seller           rooms.seller.publish
 *   user:*          rooms.user             rooms.user.publish (admins)
 *   $broadcast      rooms.broadcast        rooms.broadcast
 *   *               rooms.room             rooms.room.publish
 */
import { protocolError, type AuthorizeInput, type Policy } from '@actorwire/core';
import type { Rooms } from '../runtime.js';
import { BackendClient, backendPolicies } from './backend.js';
import { claimsPolicies } from './claims.js';

export const POLICY = {
  order: 'rooms.order',
  orderPublish: 'rooms.order.publish',
  seller: 'rooms.seller',
  sellerPublish: 'rooms.seller.publish',
  room: 'rooms.room',
  roomPublish: 'rooms.room.publish',
  user: 'rooms.user',
  userPublish: 'rooms.user.publish',
  broadcast: 'rooms.broadcast',
  publish: 'rooms.publish',
} as const;

const ORDER = /^order-(.+)$/;
const SELLER = /^seller-(.+)$/;

export function registerPolicies(r: Rooms): { mode: 'claims' | 'backend' } {
  const { ctx, opts } = r;
  const backend = opts.backendUrl ? new BackendClient(r, opts.backendUrl, opts.backendTimeout) : undefined;
  const rules = backend ? backendPolicies(r, backend) : claimsPolicies(r);

  ctx.policies.define(POLICY.order, rules.order);
  ctx.policies.define(POLICY.seller, rules.seller);
  ctx.policies.define(POLICY.room, (input) => {
    // Names that start like order/seller rooms but fall outside `{id}` (e.g. `order-7:chat`)
    // still get the order/seller rule, as the realtime service's prefix matching does.
    const topic = input.topic;
    let m = ORDER.exec(topic);
    if (m) return ctx.policies.check(POLICY.order, { ...input, params: { id: m[1]! } });
    m = SELLER.exec(topic);
    if (m) return ctx.policies.check(POLICY.seller, { ...input, params: { id: m[1]! } });
    if (r.userOfTopic(topic) !== undefined) return ctx.policies.check(POLICY.user, { ...input, params: { rest: r.userOfTopic(topic)! } });
    return rules.room(input);
  });

  // Publishing: the handler already requires a subscription; this decides who else qualifies.
  const publish: Policy = ({ session }) => {
    switch (opts.publish) {
      case 'members': return true;
      case 'authenticated': return session.identity !== undefined || protocolError('FORBIDDEN', 'not allowed to publish to this room');
      case 'admins': return r.isAdmin(session.identity) || protocolError('FORBIDDEN', 'not allowed to publish to this room');
    }
  };
  ctx.policies.define(POLICY.publish, publish);
  const viaPublish: Policy = (input: AuthorizeInput) => ctx.policies.check(POLICY.publish, input);
  ctx.policies.define(POLICY.orderPublish, viaPublish);
  ctx.policies.define(POLICY.sellerPublish, viaPublish);
  ctx.policies.define(POLICY.roomPublish, viaPublish);

  // A user channel: its owner (who is in it already) or an admin.
  ctx.policies.define(POLICY.user, ({ session, params }) => {
    const owner = params.rest ?? params.id;
    if (session.identity && (session.identity.userId === owner || r.isAdmin(session.identity))) return true;
    return protocolError('FORBIDDEN', "not allowed to join another user's channel");
  });
  ctx.policies.define(POLICY.userPublish, ({ session }) => r.isAdmin(session.identity) || protocolError('FORBIDDEN', 'not allowed to publish to this room'));

  ctx.policies.define(POLICY.broadcast, ({ session }) => {
    let ok: boolean;
    switch (opts.broadcast) {
      case 'auto': ok = r.authOn() ? r.isAdmin(session.identity) : true; break;
      case 'admins': ok = r.isAdmin(session.identity); break;
      case 'authenticated': ok = session.identity !== undefined; break;
      case 'anyone': ok = true; break;
      case 'nobody': ok = false; break;
    }
    return ok || protocolError('FORBIDDEN', 'not allowed to broadcast');
  });

  ctx.topics.define('order-{id}', { authorize: POLICY.order, authorizePublish: POLICY.orderPublish });
  ctx.topics.define('seller-{id}', { authorize: POLICY.seller, authorizePublish: POLICY.sellerPublish });
  ctx.topics.define(`${r.userPrefix}*`, { authorize: POLICY.user, authorizePublish: POLICY.userPublish });
  ctx.topics.define(ctx.bus.broadcastTopic, { authorize: POLICY.broadcast, authorizePublish: POLICY.broadcast });
  ctx.topics.define('*', { authorize: POLICY.room, authorizePublish: POLICY.roomPublish });
  return { mode: backend ? 'backend' : 'claims' };
}
