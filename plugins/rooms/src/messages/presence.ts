/**
 * `{"type":"presence","room":R}` → who is in R: `{type:'presence', room, data:{room,
 * members:[{user_id, connections}], client_count}}` (anonymous members have `user_id: null`).
 * The asker must be subscribed to R, or be an admin. Cluster-wide through `presence`.
 */
import { protocolError, type MessageDefinition } from '@actorwire/core';
import type { Rooms } from '../runtime.js';
import { roomMessageSchema } from './forms.js';

export function presenceMessage(r: Rooms): MessageDefinition {
  return {
    schema: roomMessageSchema,
    async handle({ session, message, reply }) {
      const room = r.names.check(message.room);
      const topic = r.topicFor(room);
      if (!session.topics.has(topic) && !r.isAdmin(session.identity)) throw protocolError('NOT_SUBSCRIBED');
      const members = await r.presence().members(topic);
      let clientCount = 0;
      const list = members.map((m) => {
        clientCount += m.connections;
        return { user_id: m.userId, connections: m.connections };
      });
      reply({ type: 'presence', room, data: { room, members: list, client_count: clientCount } });
    },
  };
}
