/**
 * The other dialects' message forms, rewritten to the canonical one on arrival (docs/protocol.md
 * "Aliases"), so handlers only ever see `{type, room, data, id}`:
 *   realtime-service dialect  {"type":"join","payload":{"room":R}}               → subscribe R   (leave → unsubscribe)
 *   realtime-service dialect  {"type":"broadcast","payload":{"room":R,"body":B}} → publish B to R
 *   gateway dialect      {"type":"subscribe","data":{"channel":C}}          → subscribe C   (likewise unsubscribe)
 */
import { streamPositionSchema, type AliasNormalizer, type InboundMessage } from '@actorwire/core';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `join`/`leave` (realtime-service dialect): the room is in `payload.room`. */
export function payloadRoom(type: 'subscribe' | 'unsubscribe'): AliasNormalizer {
  return (raw) => {
    const room = isObject(raw.payload) ? raw.payload.room : raw.room;
    const out: InboundMessage = { type, room: room as string | undefined };
    if (raw.id !== undefined) out.id = raw.id as string;
    return out;
  };
}

/** gateway dialect: `{"type":"subscribe","data":{"channel":C}}`; undefined when the frame is already canonical. */
export const channelForm: AliasNormalizer = (raw) => {
  if (raw.room !== undefined || !isObject(raw.data) || raw.data.channel === undefined) return undefined;
  const out: InboundMessage = { type: raw.type as string, room: raw.data.channel as string };
  if (raw.id !== undefined) out.id = raw.id as string;
  return out;
};

/** realtime-service dialect: a `broadcast` carrying `payload` is a publish of `payload.body` to `payload.room`. */
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

/** `subscribe` may carry the position to recover from: `since: {offset, epoch}` (docs/protocol.md "History and recovery"). */
export const subscribeSchema = {
  ...roomMessageSchema,
  properties: {
    ...roomMessageSchema.properties,
    since: streamPositionSchema,
  },
} as const;
