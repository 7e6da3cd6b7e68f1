/**
 * Verified tokens, so that a reconnect storm with the same tokens skips signature
 * verification: a bounded LRU keyed by the whole token (a token that differs in any byte is
 * a miss), each entry valid until the token's own expiry (`exp` plus the clock tolerance) and
 * never longer than `maxAge`, so a key rotation or revocation takes effect within `maxAge`.
 * Only successes are kept: a refused token is verified again each time.
 */
import type { Identity } from '@actorwire/core';

interface Entry {
  identity: Identity;
  /** Epoch ms after which the entry is not used. */
  until: number;
}

export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();
  hits = 0;
  misses = 0;

  constructor(
    readonly maxEntries: number,
    readonly maxAge: number,
  ) {}

  get enabled(): boolean {
    return this.maxEntries > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get(token: string, now: number): Identity | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    this.entries.delete(token);
    if (now >= entry.until) {
      this.misses++;
      return undefined;
    }
    this.entries.set(token, entry); // most recently used last
    this.hits++;
    return entry.identity;
  }

  /** Keep a verified identity; it is frozen, since every session presenting the token shares it. */
  set(token: string, identity: Identity, now: number): void {
    if (this.maxEntries <= 0) return;
    const until = Math.min(identity.expiresAt ?? Infinity, now + this.maxAge);
    if (until <= now) return;
    Object.freeze(identity.claims);
    this.entries.delete(token);
    this.entries.set(token, { identity: Object.freeze(identity), until });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  clear(): void {
    this.entries.clear();
  }
}
