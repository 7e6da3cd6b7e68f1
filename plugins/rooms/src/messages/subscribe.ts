/**
 * `subscribe` (aliases: realtime-service dialect `join`, gateway dialect `data.channel`):
 *   room name rules → own user channel (no-op) → already a member (idempotent)
 *   → rooms-per-connection limit → authorization policies → room capacity (ROOM_FULL,
 *   cluster-wide through `presence`) → join → `subscribed` with the member count.
 */
import { protocolError, type MessageContext, type MessageDefinition } from '@actorwire/core';
import { subscribedFrame } from '../frames.js';
import type { PresenceEvents } from '../presence-events.js';
import type { Rooms } from '../runtime.js';
import { channelForm, payloadRoom, roomMessageSchema } from './forms.js';

export function subscribeMessage(r: Rooms, presenceEvents: PresenceEvents): MessageDefinition {
  const { ctx, opts } = r;

  async function handle({ session, message, reply }: MessageContext): Promise<void> {
    const room = r.names.check(message.room);
    const topic = r.topicFor(room);

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
    await ctx.topics.authorize(session, topic, 'subscribe');

    const max = opts.maxConnectionsPerRoom;
    if (max > 0) {
      // Cluster-wide count, plus whoever joined locally while we waited for it.
      const localBefore = ctx.topics.localCount(topic);
      const cluster = await r.presence().count(topic);
      if (cluster + (ctx.topics.localCount(topic) - localBefore) >= max) throw protocolError('ROOM_FULL');
    }
    await ctx.topics.subscribe(session, topic, { skipAuthorization: true });
    if (opts.maxRoomsPerConnection > 0 && session.topics.size > opts.maxRoomsPerConnection) {
      // Concurrent subscribes passed the check above while presence was awaited.
      await ctx.topics.unsubscribe(session, topic);
      throw protocolError('TOO_MANY_SUBSCRIPTIONS');
    }
    if (max > 0 && ctx.topics.localCount(topic) > max) {
      // Lost a race with a concurrent join on this instance (an onSubscribe hook awaited).
      await ctx.topics.unsubscribe(session, topic);
      throw protocolError('ROOM_FULL');
    }
    reply(subscribedFrame(room, await memberCount(topic)));
    if (presenceEvents.enabled(topic)) await presenceEvents.join(session, topic);
  }

  async function memberCount(topic: string): Promise<number> {
    // The cluster view may lag a local join by a moment; never report fewer than we know of.
    return Math.max(await r.presence().count(topic), ctx.topics.localCount(topic));
  }

  return {
    schema: roomMessageSchema,
    normalize: channelForm,
    aliases: { join: payloadRoom('subscribe') },
    handle,
  };
}
