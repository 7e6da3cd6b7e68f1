/** Builders of the frames this plugin sends (docs/protocol.md "Server → client"). */
import type { Frame, Session, Subscribed } from '@actorwire/core';
import { messageId } from './runtime.js';

/** `{type:'message', room, data, client_id, user_id?, message_id, timestamp}` — built once per publish. */
export function messageFrame(sender: Session, room: string | undefined, data: unknown): Frame {
  const frame: Frame = { type: 'message' };
  if (room !== undefined) frame.room = room;
  frame.data = data === undefined ? null : data;
  frame.client_id = sender.id;
  if (sender.userId !== undefined) frame.user_id = sender.userId;
  frame.message_id = messageId();
  frame.timestamp = Date.now();
  return frame;
}

/** `{type:'notification', event, data, message_id, timestamp}` — server-side push. */
export function notificationFrame(event: string, data: unknown): Frame {
  return { type: 'notification', event, data: data === undefined ? null : data, message_id: messageId(), timestamp: Date.now() };
}

/**
 * The Go module guide's service-side pushes: `NotifyAllClients(event, data)` sends
 * `{type:'notification', data:{event, data}}` (clients read `data.event`), `NotifyRoom(room, data)`
 * sends `{type:'room_update', room, data}`. A `message_id` and `timestamp` as every push.
 */
export function moduleNotificationFrame(event: string, data: unknown): Frame {
  return { type: 'notification', data: { event, data: data === undefined ? null : data }, message_id: messageId(), timestamp: Date.now() };
}

export function roomUpdateFrame(room: string, data: unknown): Frame {
  return { type: 'room_update', room, data: data === undefined ? null : data, message_id: messageId(), timestamp: Date.now() };
}

/** With a history position: `epoch`, `offset` (the last message before live ones) and, when asked to recover, `recovered`. */
export function subscribedFrame(room: string, clientCount: number, sub?: Subscribed): Frame {
  const data: Record<string, unknown> = { room, client_count: clientCount };
  if (sub?.position !== undefined) Object.assign(data, sub.position);
  if (sub?.recovered !== undefined) data.recovered = sub.recovered;
  return { type: 'subscribed', room, data, timestamp: Date.now() };
}

export function unsubscribedFrame(room: string): Frame {
  return { type: 'unsubscribed', room, data: { room }, timestamp: Date.now() };
}
