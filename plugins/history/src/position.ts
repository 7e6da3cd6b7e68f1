/** A client's position in a room's history, `{offset, epoch}`, as messages carry it. */
import { protocolError, type StreamPosition } from '@actorwire/core';

export const positionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['offset', 'epoch'],
  properties: {
    offset: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    epoch: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;

/** undefined when absent; a clear error for a malformed one (schemas have already checked the shape). */
export function readPosition(v: unknown): StreamPosition | undefined {
  if (v === undefined || v === null) return undefined;
  const p = v as Partial<StreamPosition>;
  if (!Number.isSafeInteger(p.offset) || (p.offset as number) < 0 || typeof p.epoch !== 'string' || p.epoch === '' || p.epoch.length > 64) {
    throw protocolError('INVALID_MESSAGE', 'since must be {offset: integer >= 0, epoch: string}');
  }
  return { offset: p.offset as number, epoch: p.epoch };
}
