/**
 * `compact`: the canonical protocol with lighter deliveries, for clients in high fan-out rooms
 * that only need what was said and where. A room `message` loses what identifies its sender
 * and itself (`client_id`, `user_id`, `message_id`):
 *
 *   message {room?, data, client_id, user_id?, message_id, timestamp} → {"type":"message","room":R,"data":D,"timestamp":T}
 *
 * In a room with history its `offset` and `epoch` stay, so compact clients recover like others.
 * Every other frame, and everything a client sends, is canonical. The frame is encoded once
 * per publish for all compact subscribers together, like any dialect.
 */
import type { Dialect, Frame } from '@actorwire/core';

export function compactDialect(): Dialect {
  return {
    name: 'compact',
    subprotocols: ['actorwire.compact'],
    encode(frame: Frame & Record<string, unknown>): string {
      if (frame.type !== 'message') return JSON.stringify(frame);
      const out: Record<string, unknown> = { type: 'message' };
      if (frame.room !== undefined) out.room = frame.room;
      out.data = frame.data ?? null;
      out.timestamp = frame.timestamp;
      if (frame.offset !== undefined) {
        out.offset = frame.offset;
        out.epoch = frame.epoch;
      }
      return JSON.stringify(out);
    },
  };
}
