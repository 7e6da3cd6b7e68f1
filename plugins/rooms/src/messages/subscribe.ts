/**
 * `subscribe` (aliases: realtime-service dialect `join`, gateway dialect `data.channel`):
 *   room name rules → own user channel (no-op) → already a member (idempotent)
 *   → rooms-per-connection limit → authorization policies → room capacity (ROOM_FULL,
 *   cluster-wide through `presence`) → `topics.subscribe` (the join) → `subscribed` with the
 *   member count (and, for a room with history, its epoch and offset).
 * With `since: {offset, epoch}` and a room that keeps history, the kernel sends what the session
 * missed right before it joins — after every check, so nothing is sent for a refused subscribe.
 */
import { protocolError, type MessageContext, type MessageDefinition, type StreamPosition, type SubscribeOptions } from '@actorwire/core';
import { subscribedFrame } from '../frames.js';
import type { PresenceEvents } from '../presence-events.js';
import type { Rooms } from '../runtime.js';
import { channelForm, payloadRoom, subscribeSchema } from './forms.js';

export function subscribeMessage(r: Rooms, presenceEvents: PresenceEvents): MessageDefinition {
  const { ctx, opts } = r;

  // The same for every subscribe (authorized here already; the limits are the plugin's options).
  const joinOptions: SubscribeOptions = {
    skipAuthorization: true,
    limits: {
      ...(opts.maxRoomsPerConnection > 0 ? { sessionTopics: opts.maxRoomsPerConnection } : {}),
      ...(opts.maxConnectionsPerRoom > 0 ? { members: opts.maxConnectionsPerRoom } : {}),
    },
  };

  async function handle({ session, message, reply }: MessageContext): Promise<void> {
    const room = r.names.check(message.room);
    const topic = r.topicFor(room);
    // Authorized the way `history` is (Rooms.authorizeRead): one path for every read of a room.

    if (r.isOwnUserChannel(session, topic)) {
      // The kernel joined it at authentication: nothing to do.
      reply(subscribedFrame(room, ctx.sessions.ofUser(session.userId!).size));
      return;
    }
    if (session.topics.has(topic)) {
      reply(subscribedFrame(room, await memberCount(topic)));
      return;
    }
    if (opts.maxRoomsPerConnection > 0 && session.topics.size >= opts.maxRoomsPerConnection) {
      throw protocolError('TOO_MANY_SUBSCRIPTIONS');
    }
    await r.authorizeRead(session, topic);

    const max = opts.maxConnectionsPerRoom;
    if (max > 0) {
      // Cluster-wide count, plus whoever joined locally while we waited for it.
      const localBefore = ctx.topics.localCount(topic);
      const cluster = await r.presence().count(topic);
      if (cluster + (ctx.topics.localCount(topic) - localBefore) >= max) throw protocolError('ROOM_FULL');
    }
    const since = (message as { since?: StreamPosition }).since;
    // The kernel checks the limits again right before the join (concurrent subscribes of this
    // session, joins while a hook awaited) and, for a room with history, sends what was missed.
    const sub = await ctx.topics.subscribe(session, topic, since === undefined ? joinOptions : { ...joinOptions, since });
    reply(subscribedFrame(room, await memberCount(topic), sub));
    if (presenceEvents.enabled(topic)) await presenceEvents.join(session, topic);
  }

  async function memberCount(topic: string): Promise<number> {
    // The cluster view may lag a local join by a moment; never report fewer than we know of.
    return Math.max(await r.presence().count(topic), ctx.topics.localCount(topic));
  }

  return {
    schema: subscribeSchema,
    normalize: channelForm,
    aliases: { join: payloadRoom('subscribe') },
    handle,
  };
}
