/**
 * The API gateway's frames (its WebSocket package): every server message has a `message_id`
 * and an RFC 3339 `timestamp`; subscriptions are acknowledged with `ack`; room traffic arrives
 * as `event` on its `channel`; notifications carry the user; errors nest their text in `data`.
 *
 *   subscribed {room}          → {"type":"ack","data":{"action":"subscribe","channel":R},"timestamp","message_id"}
 *   unsubscribed {room}        → {"type":"ack","data":{"action":"unsubscribe","channel":R},…}
 *   message {room, data}       → {"type":"event","channel":R,"data":D,"user_id"?,"timestamp","message_id"}
 *   message without a room     → {"type":"event","channel":"system:broadcast","data":D,…}
 *   notification {event, data} → {"type":"notification","data":D,"event":E,"user_id"?,"timestamp","message_id"}
 *   error {error, code}        → {"type":"error","data":{"error":T,"code":C},"timestamp","message_id"}
 *   anything else              → the frame with an RFC 3339 timestamp and a message_id
 * Its clients' inbound forms (`subscribe {data:{channel}}`, `heartbeat`) are already the rooms
 * plugin's aliases, so there is nothing to decode.
 */
import { randomUUID } from 'node:crypto';
import type { Dialect, Frame } from '@actorwire/core';
import { rfc3339 } from './time.js';

export function gatewayDialect(userTopicPrefix: string): Dialect {
  return {
    name: 'gateway',
    subprotocols: ['actorwire.gateway'],
    encode(frame: Frame & Record<string, unknown>, topic: string | undefined): string {
      const base = { timestamp: rfc3339(frame.timestamp), message_id: typeof frame.message_id === 'string' ? frame.message_id : randomUUID() };
      const id = frame.id !== undefined ? { id: frame.id } : {};
      const room = typeof frame.room === 'string' ? frame.room
        : topic !== undefined && !topic.startsWith('$') && !topic.startsWith(userTopicPrefix) ? topic : undefined;
      switch (frame.type) {
        case 'subscribed':
        case 'unsubscribed':
          return JSON.stringify({ type: 'ack', data: { action: frame.type === 'subscribed' ? 'subscribe' : 'unsubscribe', channel: room ?? null }, ...id, ...base });
        case 'message':
          return JSON.stringify({
            type: 'event', channel: room ?? 'system:broadcast', data: frame.data ?? null,
            ...(typeof frame.user_id === 'string' ? { user_id: frame.user_id } : {}), ...id, ...base,
          });
        case 'notification': {
          const userId = topic !== undefined && topic.startsWith(userTopicPrefix) ? topic.slice(userTopicPrefix.length) : typeof frame.user_id === 'string' ? frame.user_id : undefined;
          return JSON.stringify({
            type: 'notification', data: frame.data ?? null,
            ...(typeof frame.event === 'string' ? { event: frame.event } : {}),
            ...(userId !== undefined ? { user_id: userId } : {}),
            ...(room !== undefined ? { channel: room } : {}), ...id, ...base,
          });
        }
        case 'error':
          return JSON.stringify({ type: 'error', data: { error: frame.error ?? 'error', ...(frame.code !== undefined ? { code: frame.code } : {}) }, ...id, ...base });
        default:
          return JSON.stringify({ ...frame, ...base });
      }
    },
  };
}
