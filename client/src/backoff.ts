/**
 * Reconnect delays: exponential backoff with full jitter — a random delay in
 * [0, min(maxDelay, baseDelay · 2^attempt)] — so that clients dropped together (a server
 * restart) do not come back together.
 *
 * The ceiling is low (2.5 s): after an outage of any length a client is back within 2.5 s of the
 * server (0.8 s on average), and 10,000 clients still arrive spread over those 2.5 s. While the
 * server stays away each client tries every 1.25 s on average — a refused connection costs little;
 * fleets that must try less often raise `maxDelay`.
 */
export interface BackoffOptions {
  /** First ceiling, ms (default 250). */
  baseDelay: number;
  /** Highest ceiling, ms (default 2 500). */
  maxDelay: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseDelay: 250, maxDelay: 2_500 };

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly o: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** The next delay; at least `floor` ms (a close code may ask for a longer wait). */
  next(floor = 0): number {
    const ceiling = Math.min(this.o.maxDelay, this.o.baseDelay * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.max(floor, Math.floor(this.random() * ceiling));
  }

  /** A connection that stayed up starts the sequence over. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
