/**
 * `broadcast`:
 *   canonical protocol `{"type":"broadcast","data":D}` → every connection (the kernel's broadcast topic,
 *     which every session joins at open), subject to the `rooms.broadcast` policy;
 *   realtime-service dialect `{"type":"broadcast","payload":{"room":R,"body":B}}` → publish B to R
 *     (normalized to a `publish` message, handled exactly like one).
 */
import { protocolError, type MessageDefinition } from '@actorwire/core';
import { messageFrame } from '../frames.js';
import type { Rooms } from '../runtime.js';
import { payloadBroadcast, roomMessageSchema } from './forms.js';
import { publishHandler } from './publish.js';

export function broadcastMessage(r: Rooms): MessageDefinition {
  const publish = publishHandler(r);
  const { topics, bus } = r.ctx;
  return {
    schema: roomMessageSchema,
    normalize: payloadBroadcast,
    async handle(mctx) {
      if (mctx.message.type === 'publish') return publish(mctx);
      const { session, message } = mctx;
      const ok = await topics.publish(session, bus.broadcastTopic, messageFrame(session, undefined, message.data));
      if (!ok) throw protocolError('FORBIDDEN', 'message refused');
    },
  };
}
