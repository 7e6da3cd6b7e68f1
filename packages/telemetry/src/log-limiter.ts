/**
 * Repeated warnings, one line per interval: the first occurrence of a key is logged at once;
 * later ones within `intervalMs` are counted, and the count is logged once when the interval
 * ends (`{…fields, repeated: N}`). A client cannot turn a flood of bad frames into a flood of
 * log lines. At most `maxKeys` keys are tracked; beyond, occurrences of new keys share one.
 */
import type { Logger } from 'pino';

interface Pending {
  fields: Record<string, unknown>;
  msg: string;
  level: 'warn' | 'info' | 'error';
  repeated: number;
  since: number;
}

export class LogLimiter {
  private readonly keys = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Pick<Logger, 'warn' | 'info' | 'error'>,
    private readonly intervalMs = 10_000,
    private readonly maxKeys = 1000,
  ) {}

  warn(key: string, fields: Record<string, unknown>, msg: string): void {
    this.log('warn', key, fields, msg);
  }

  info(key: string, fields: Record<string, unknown>, msg: string): void {
    this.log('info', key, fields, msg);
  }

  private log(level: Pending['level'], key: string, fields: Record<string, unknown>, msg: string): void {
    const k = this.keys.has(key) || this.keys.size < this.maxKeys ? key : '\u0000overflow';
    const pending = this.keys.get(k);
    if (pending !== undefined) {
      pending.repeated++;
      pending.fields = fields;
      return;
    }
    this.logger[level](fields, msg);
    this.keys.set(k, { fields, msg, level, repeated: 0, since: Date.now() });
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  /** Report what was counted and forget quiet keys (called every interval). */
  flush(): void {
    for (const [key, p] of this.keys) {
      this.keys.delete(key);
      if (p.repeated > 0) this.logger[p.level]({ ...p.fields, repeated: p.repeated, interval_ms: Date.now() - p.since }, `${p.msg} (repeated)`);
    }
    if (this.keys.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  stop(): void {
    this.flush();
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
