/**
 * Who may open a connection, per remote address: at most `maxConnectionsPerIp` open at once and
 * `upgradesPerIpPerSecond` upgrade requests per second (a token bucket, bursts of twice that).
 * Refusals are HTTP answers before any socket exists. Both limits are off at 0 (the default:
 * behind a proxy every client shares its address; configure them where clients connect directly).
 */
export interface AdmissionOptions {
  maxConnectionsPerIp: number;
  upgradesPerIpPerSecond: number;
}

export interface Refusal {
  status: number;
  body: Record<string, unknown>;
}

const MAX_BUCKETS = 50_000;

export class Admission {
  private readonly open = new Map<string, number>();
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly o: AdmissionOptions,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.o.maxConnectionsPerIp > 0 || this.o.upgradesPerIpPerSecond > 0;
  }

  /** The refusal of an upgrade from `ip`, or undefined (the upgrade costs a token). */
  checkUpgrade(ip: string): Refusal | undefined {
    const rate = this.o.upgradesPerIpPerSecond;
    if (rate > 0) {
      const burst = rate * 2;
      const now = this.now();
      let b = this.buckets.get(ip);
      if (b === undefined) {
        if (this.buckets.size >= MAX_BUCKETS) this.forgetFullBuckets(now);
        this.buckets.set(ip, (b = { tokens: burst, at: now }));
      } else {
        b.tokens = Math.min(burst, b.tokens + ((now - b.at) * rate) / 1000);
        b.at = now;
      }
      if (b.tokens < 1) return { status: 429, body: { error: `too many connection attempts from this address (limit ${rate}/s)`, code: 'RATE_LIMITED' } };
      b.tokens--;
    }
    return this.overConnections(ip);
  }

  /** Refusal when `ip` already holds its share of open connections. */
  overConnections(ip: string): Refusal | undefined {
    const max = this.o.maxConnectionsPerIp;
    if (max > 0 && (this.open.get(ip) ?? 0) >= max) {
      return { status: 429, body: { error: `too many connections from this address (limit ${max})`, code: 'TOO_MANY_CONNECTIONS' } };
    }
    return undefined;
  }

  opened(ip: string): void {
    if (this.o.maxConnectionsPerIp > 0) this.open.set(ip, (this.open.get(ip) ?? 0) + 1);
  }

  closed(ip: string): void {
    if (this.o.maxConnectionsPerIp <= 0) return;
    const n = (this.open.get(ip) ?? 0) - 1;
    if (n > 0) this.open.set(ip, n);
    else this.open.delete(ip);
  }

  private forgetFullBuckets(now: number): void {
    const burst = this.o.upgradesPerIpPerSecond * 2;
    for (const [ip, b] of this.buckets) {
      if (b.tokens + ((now - b.at) * this.o.upgradesPerIpPerSecond) / 1000 >= burst) this.buckets.delete(ip);
    }
  }
}
