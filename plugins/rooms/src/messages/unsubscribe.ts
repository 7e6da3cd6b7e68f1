/**
 * `unsubscribe` (aliases: realtime-service dialect `leave`, gateway dialect `data.channel`). Idempotent: leaving a
 * room one is not in still answers `unsubscribed`. The own user channel cannot be left
 * (it carries the user's notifications). Presence `leave` events come from the
 * `onUnsubscribe` hook, which also runs for every room at disconnect.
 */
import { protocolError, type MessageDefinition } from '@actorwire/core';
import { unsubscribedFrame } from '../frames.js';
import type { Rooms } from '../runtime.js';
import { channelForm, payloadRoom, roomMessageSchema } from './forms.js';

export function unsubscribeMessage(r: Rooms): MessageDefinition {
  return {
    schema: roomMessageSchema,
    normalize: channelForm,
    aliases: { leave: payloadRoom('unsubscribe') },
    async handle({ session, message, reply }) {
      const room = r.names.check(message.room);
      const topic = r.topicFor(room);
      if (r.isOwnUserChannel(session, topic)) throw protocolError('FORBIDDEN', 'your user channel cannot be left');
      await r.ctx.topics.unsubscribe(session, topic);
      reply(unsubscribedFrame(room));
    },
  };
}
