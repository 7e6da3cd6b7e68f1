/**
 * The other seeds' message forms, rewritten to the canonical one on arrival (PROTOCOL.md
 * "Aliases"), so handlers only ever see `{type, room, data, id}`:
 *   seed 001/003  {"type":"join","payload":{"room":R}}               → subscribe R   (leave → unsubscribe)
 *   seed 001/003  {"type":"broadcast","payload":{"room":R,"body":B}} → publish B to R
 *   seed 004      {"type":"subscribe","data":{"channel":C}}          → subscribe C   (likewise unsubscribe)
 */
import type { AliasNormalizer, InboundMessage } from '@wirestate/core';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `join`/`leave` (seed 001/003): the room is in `payload.room`. */
export function payloadRoom(type: 'subscribe' | 'unsubscribe'): AliasNormalizer {
  return (raw) => {
    const room = isObject(raw.payload) ? raw.payload.room : raw.room;
    const out: InboundMessage = { type, room: room as string | undefined };
    if (raw.id !== undefined) out.id = raw.id as string;
    return out;
  };
}

/** seed 004: `{"type":"subscribe","data":{"channel":C}}`; undefined when the frame is already canonical. */
export const channelForm: AliasNormalizer = (raw) => {
  if (raw.room !== undefined || !isObject(raw.data) || raw.data.channel === undefined) return undefined;
  const out: InboundMessage = { type: raw.type as string, room: raw.data.channel as string };
  if (raw.id !== undefined) out.id = raw.id as string;
  return out;
};

/** seed 001/003: a `broadcast` carrying `payload` is a publish of `payload.body` to `payload.room`. */
export const payloadBroadcast: AliasNormalizer = (raw) => {
  if (!isObject(raw.payload)) return undefined;
  const p = raw.payload;
  const out: InboundMessage = { type: 'publish', room: p.room as string | undefined, data: p.body !== undefined ? p.body : p.data };
  if (raw.id !== undefined) out.id = raw.id as string;
  return out;
};

/** Schema shared by room messages: `room` must be a string when present (ROOM_REQUIRED is the handler's). */
export const roomMessageSchema = {
  type: 'object',
  properties: {
    type: { type: 'string' },
    room: { type: 'string' },
    id: { type: 'string' },
  },
  required: ['type'],
} as const;
