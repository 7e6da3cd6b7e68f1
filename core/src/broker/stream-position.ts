/**
 * The JSON schema of a history position `{offset, epoch}` (the `StreamPosition` type), for the
 * message schemas that accept one — rooms' `subscribe` `since`, the history plugin's `history`.
 */
export const streamPositionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['offset', 'epoch'],
  properties: {
    offset: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    epoch: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;
