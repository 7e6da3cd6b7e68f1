/**
 * `history`: page through a room's history.
 *   {type:'history', room, since?: {offset, epoch}, limit?, reverse?, id?}
 *   → {type:'history', room, data: {epoch, offset, complete, messages: [...]}, id}
 * Authorized like a subscribe to the room (the session need not be subscribed).
 */
import { protocolError, streamPositionSchema, type MessageContext, type MessageDefinition, type PluginContext, type StreamPosition } from '@actorwire/core';
import type { History } from './history.js';

export const historySchema = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    room: { type: 'string', minLength: 1, maxLength: 1024 },
    id: { type: 'string' },
    since: streamPositionSchema,
    limit: { type: 'integer', minimum: 1 },
    reverse: { type: 'boolean' },
  },
  required: ['type'],
} as const;

export function historyMessage(ctx: PluginContext, history: History, pageLimit: number): MessageDefinition {
  return {
    schema: historySchema,
    async handle({ session, message, reply }: MessageContext) {
      const room = message.room;
      if (room === undefined || room === '') throw protocolError('ROOM_REQUIRED');
      if (!history.keeps(room)) throw protocolError('INVALID_MESSAGE', `room "${room}" keeps no history`);
      await ctx.topics.authorize(session, room, 'subscribe');
      // The schema has checked `since`, `limit` and `reverse`.
      const m = message as typeof message & { limit?: number; reverse?: boolean; since?: StreamPosition };
      const limit = Math.min(m.limit ?? pageLimit, pageLimit);
      const since = m.since;
      const page = await history.page(session, room, { limit, ...(since ? { since } : {}), ...(m.reverse ? { reverse: true } : {}) });
      reply({
        type: 'history',
        room,
        data: { epoch: page.epoch, offset: page.offset, complete: page.complete, messages: page.messages.map((p) => JSON.parse(p) as unknown) },
      });
    },
  };
}
