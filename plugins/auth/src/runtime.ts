/** What the upgrade hook, the `auth` message and the HTTP helpers share: options, verifier, logging, counters. */
import { LogLimiter } from '@actorwire/core';
import type { PluginContext } from '@actorwire/core';
import type { AuthError } from './errors.js';
import type { AuthOptions } from './options.js';
import type { Verifier } from './verifier.js';

type Logger = PluginContext['logger'];
type Meter = PluginContext['meter'];

export type Via = 'upgrade' | 'message' | 'http';

/** Options after normalization (issuer/audience as lists). */
export type ResolvedOptions = Omit<AuthOptions, 'issuer' | 'audience'> & { issuer: string[]; audience: string[] };

export interface AuthRuntime {
  opts: ResolvedOptions;
  /** Undefined in open mode (no key configured). */
  verifier: Verifier | undefined;
  logger: Logger;
  stats: AuthStats;
  refused(err: AuthError, via: Via, fields: Record<string, unknown>): void;
}

/** Counters read at scrape time (`actorwire_auth_results{result,reason,via}`). */
export class AuthStats {
  private readonly counts = new Map<string, { result: string; reason: string; via: Via; n: number }>();

  count(result: 'ok' | 'refused', reason: string, via: Via): void {
    const key = `${result}|${reason}|${via}`;
    const entry = this.counts.get(key);
    if (entry) entry.n++;
    else this.counts.set(key, { result, reason, via, n: 1 });
  }

  attach(meter: Meter): void {
    meter
      .createObservableCounter('actorwire_auth_results', { description: 'Authentication outcomes, by result, reason and where the token came (upgrade, message, http)' })
      .addCallback((r) => {
        for (const e of this.counts.values()) r.observe(e.n, { result: e.result, reason: e.reason, via: e.via });
      });
  }
}

export function createRuntime(opts: ResolvedOptions, verifier: Verifier | undefined, logger: Logger, meter: Meter): AuthRuntime {
  const stats = new AuthStats();
  stats.attach(meter);
  // A client sending bad tokens in a loop gets one warning line per 10 s (with a count), not one per frame.
  const limited = new LogLimiter(logger);
  return {
    opts,
    verifier,
    logger,
    stats,
    refused(err, via, fields) {
      stats.count('refused', err.reason, via);
      // Never the token: only the reason, where, and jose's own description of the failure.
      const entry = { reason: err.reason, via, ...fields, ...(err.detail ? { detail: err.detail } : {}) };
      if (err.reason === 'key_unavailable') logger.error(entry, `authentication unavailable: ${err.detail ?? 'cannot fetch keys'}`);
      else limited.warn(`${err.reason}|${via}|${String(fields.remote ?? '')}`, entry, `authentication refused: ${err.reason}`);
    },
  };
}
