/** Errors the client rejects with: the server's error frames keep their stable `code`. */
import type { ErrorFrame } from './frames.js';

/** Codes of the client's own (not sent by a server). */
export type ClientErrorCode = 'TIMEOUT' | 'DISCONNECTED' | 'CLOSED' | 'NO_WEBSOCKET' | 'QUEUE_FULL';

export class ActorwireClientError extends Error {
  override readonly name = 'ActorwireClientError';
  constructor(
    /** A protocol error code (`FORBIDDEN`, `UNAUTHORIZED`, …) or one of the client's own. */
    readonly code: string,
    message: string,
    /** The server's error frame, when there was one. */
    readonly frame?: ErrorFrame,
  ) {
    super(message);
  }

  /** Auth refusals say why (`expired`, `bad_signature`, …). */
  get reason(): string | undefined {
    return this.frame?.reason;
  }

  static fromFrame(frame: ErrorFrame): ActorwireClientError {
    return new ActorwireClientError(String(frame.code), frame.error, frame);
  }
}
