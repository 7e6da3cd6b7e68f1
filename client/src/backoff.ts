/**
 * Reconnect delays: exponential backoff with full jitter — a random delay in
 * [0, min(maxDelay, baseDelay · 2^attempt)] — so that clients dropped together (a server
 * restart) do not come back together.
 */
export interface BackoffOptions {
  /** First ceiling, ms (default 500). */
  baseDelay: number;
  /** Highest ceiling, ms (default 30 000). */
  maxDelay: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseDelay: 500, maxDelay: 30_000 };

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
