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
 *
 * `compact-rooms`: the same lighter `message`, but only in the rooms an operator names
 * (`ACTORWIRE_COMPACT_ROOMS`); everything else canonical. Made the server's or a route's dialect,
 * it makes compact the default where the bytes count, without asking each client to opt in.
 */
import { compilePattern, type Dialect, type Frame } from '@actorwire/core';

function compactMessage(frame: Frame & Record<string, unknown>): string {
  const out: Record<string, unknown> = { type: 'message' };
  if (frame.room !== undefined) out.room = frame.room;
  out.data = frame.data ?? null;
  out.timestamp = frame.timestamp;
  if (frame.offset !== undefined) {
    out.offset = frame.offset;
    out.epoch = frame.epoch;
  }
  return JSON.stringify(out);
}

export function compactDialect(): Dialect {
  return {
    name: 'compact',
    subprotocols: ['actorwire.compact'],
    encode: (frame) => (frame.type === 'message' ? compactMessage(frame) : JSON.stringify(frame)),
  };
}

/** Rooms remembered as matching or not; beyond this many the memory starts over (names come from clients). */
const REMEMBERED_ROOMS = 10_000;

/** `compact-rooms`: compact `message` frames in rooms matching one of `patterns` (kernel topic patterns). */
export function compactRoomsDialect(patterns: readonly string[]): Dialect {
  const regexes = patterns.map((p) => compilePattern(p).regex);
  const known = new Map<string, boolean>();
  const compactRoom = (room: string): boolean => {
    let hit = known.get(room);
    if (hit === undefined) {
      if (known.size >= REMEMBERED_ROOMS) known.clear();
      hit = regexes.some((r) => r.test(room));
      known.set(room, hit);
    }
    return hit;
  };
  return {
    name: 'compact-rooms',
    subprotocols: ['actorwire.compact-rooms'],
    // Live deliveries and a recovery's resent messages alike (the latter go to one session).
    encode: (frame) => (frame.type === 'message' && typeof frame.room === 'string' && compactRoom(frame.room)
      ? compactMessage(frame)
      : JSON.stringify(frame)),
  };
}
