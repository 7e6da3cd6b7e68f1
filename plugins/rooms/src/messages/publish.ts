/**
 * `publish`: send `data` to every subscriber of `room` (the sender included: it is a
 * subscriber too, as in canonical protocol). The sender must be subscribed. The frame is built once
 * and handed to `topics.publish` (publish policy → onPublish hooks → bus: one serialization,
 * uWS native fan-out, no per-receiver JavaScript).
 */
import { protocolError, type MessageContext, type MessageDefinition } from '@actorwire/core';
import { messageFrame } from '../frames.js';
import type { Rooms } from '../runtime.js';
import { roomMessageSchema } from './forms.js';

const refused = (ok: boolean): void => {
  if (!ok) throw protocolError('FORBIDDEN', 'message refused');
};

/** Synchronous unless the publish has to wait (an async policy or onPublish hook): no microtask per message otherwise. */
export function publishHandler(r: Rooms): (mctx: MessageContext) => void | Promise<void> {
  const topics = r.ctx.topics;
  return ({ session, message }) => {
    const room = message.room;
    if (room === undefined || room === '') throw protocolError('ROOM_REQUIRED');
    // Hot path: a member's room name was validated when it joined.
    if (!session.topics.has(room)) throw r.names.problem(room) ?? protocolError('NOT_SUBSCRIBED');
    const ok = topics.publish(session, room, messageFrame(session, room, message.data));
    if (ok === true) return undefined;
    if (ok === false) return refused(ok);
    return ok.then(refused);
  };
}

export function publishMessage(r: Rooms): MessageDefinition {
  return { schema: roomMessageSchema, handle: publishHandler(r) };
}
