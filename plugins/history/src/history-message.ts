/**
 * `history`: page through a room's history.
 *   {type:'history', room, since?: {offset, epoch}, limit?, reverse?, id?}
 *   → {type:'history', room, data: {epoch, offset, complete, messages: [...]}, id}
 * Authorized exactly like a subscribe to the room (the rooms plugin's `roomAccess`: name rules,
 * user channels, policies; the session need not be subscribed). Without the rooms plugin, by the
 * topic's own rules.
 */
import { protocolError, streamPositionSchema, type HistoryPage, type MessageContext, type MessageDefinition, type PluginContext, type Session, type StreamPosition } from '@actorwire/core';
import type {} from '@actorwire/plugin-rooms';

export const historySchema = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    // Empty: ROOM_REQUIRED from the handler, as subscribe answers.
    room: { type: 'string', maxLength: 1024 },
    id: { type: 'string' },
    since: streamPositionSchema,
    limit: { type: 'integer', minimum: 1 },
    reverse: { type: 'boolean' },
  },
  required: ['type'],
} as const;

export function historyMessage(ctx: PluginContext, pageLimit: number): MessageDefinition {
  const { maxBackpressure } = ctx.config.websocket;
  return {
    schema: historySchema,
    async handle({ session, message, reply }: MessageContext) {
      const room = message.room;
      if (room === undefined || room === '') throw protocolError('ROOM_REQUIRED');
      // Read at call time, not declared in `uses`: rooms uses history (recovery), so an order would be a cycle.
      const access = ctx.services.find('roomAccess');
      let topic: string;
      if (access !== undefined) topic = await access.readable(session, room);
      else {
        topic = room;
        await ctx.topics.authorize(session, topic, 'subscribe');
      }
      if (ctx.topics.historyOf(topic) === undefined) throw protocolError('INVALID_MESSAGE', `room "${room}" keeps no history`);
      // The schema has checked `since`, `limit` and `reverse`.
      const m = message as typeof message & { limit?: number; reverse?: boolean; since?: StreamPosition };
      const limit = Math.min(m.limit ?? pageLimit, pageLimit);
      const since = m.since;
      const page = fitToSession(session, await ctx.topics.history(topic, { limit, ...(since ? { since } : {}), ...(m.reverse ? { reverse: true } : {}) }), maxBackpressure);
      reply({
        type: 'history',
        room,
        data: { epoch: page.epoch, offset: page.offset, complete: page.complete, messages: page.messages.map((p) => JSON.parse(p) as unknown) },
      });
    },
  };
}

/**
 * A page goes out in one go: past the socket's send-buffer limit what follows would be dropped
 * (live messages, a pong). So it ends early rather than past half the limit, less what the socket
 * holds (at least one message): the client asks for the next from the last offset it got.
 */
function fitToSession(session: Session, page: HistoryPage, maxBackpressure: number): HistoryPage {
  const budget = Math.max(0, Math.floor(maxBackpressure / 2) - session.bufferedAmount());
  let bytes = 0;
  for (let i = 0; i < page.messages.length; i++) {
    bytes += page.messages[i]!.length;
    if (bytes > budget && i > 0) {
      page.messages.length = i;
      break;
    }
  }
  return page;
}
