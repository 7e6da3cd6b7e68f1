/**
 * What a failed action tells its client, on the entity's `.error` topic: a stable code, a
 * message, and for upstream failures the upstream's HTTP status.
 */
import { ActorwireError } from '@actorwire/core';

export const SnapshotErrors = {
  /** The upstream did not answer within REST_TIMEOUT. */
  UPSTREAM_TIMEOUT: 'UPSTREAM_TIMEOUT',
  /** The upstream answered an error status, an unreadable body, or could not be reached. */
  UPSTREAM_ERROR: 'UPSTREAM_ERROR',
  /** The upstream answered 404 for the view. */
  NOT_FOUND: 'NOT_FOUND',
  /** The request is malformed (missing id, bad query parameter, action of another entity). */
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  /** An action of another plugin failed unexpectedly (logged). */
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const;

export type SnapshotErrorCode = keyof typeof SnapshotErrors;

export class SnapshotError extends ActorwireError {
  constructor(
    code: SnapshotErrorCode,
    message: string,
    /** The upstream's HTTP status, when it answered. */
    readonly upstreamStatus?: number,
  ) {
    super(code, message, { status: code === 'INVALID_MESSAGE' ? 400 : code === 'NOT_FOUND' ? 404 : code === 'UPSTREAM_TIMEOUT' ? 504 : 502 });
    this.name = 'SnapshotError';
  }
}

export const invalid = (what: string): SnapshotError => new SnapshotError('INVALID_MESSAGE', `invalid message: ${what}`);
