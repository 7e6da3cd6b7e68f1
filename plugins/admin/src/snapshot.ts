/**
 * What the live admin page shows, once a second: counts, the busiest rooms, rates computed from
 * the kernel's counters (deltas between two samples), errors by code, and every health component
 * (the broker, such as Redis, plugins such as Kafka with its lag).
 */
import type { KernelStats } from '@actorwire/core';

export interface AdminSources {
  stats: KernelStats;
  /** Topics with local members, and how many. */
  topics(): Map<string, number>;
  /** Topics that are not rooms (the per-user topics, system topics). */
  isRoom(topic: string): boolean;
  topRooms: number;
}

export interface AdminSnapshot {
  at: number;
  instance: string;
  version: string;
  uptime_seconds: number;
  status: unknown;
  connections: number;
  users: number;
  rooms: number;
  top_rooms: Array<{ room: string; members: number }>;
  /** Per second, over the last interval. */
  rates: { received: number; sent: number; published: number; errors: number; upgrades_rejected: number };
  received_by_type: Array<{ type: string; total: number; per_second: number }>;
  errors_by_code: Array<{ code: string; total: number; per_second: number }>;
  components: Record<string, unknown>;
  process: { rss_bytes: number; heap_used_bytes: number };
}

interface Totals {
  at: number;
  received: Map<string, number>;
  errors: Map<string, number>;
  sent: number;
  published: number;
  rejected: number;
}

const sum = (m: Map<string, number>): number => {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
};

/** The `n` largest entries, without sorting every topic (a server may hold 100k). */
export function topEntries(entries: Iterable<[string, number]>, n: number, keep: (key: string) => boolean): Array<[string, number]> {
  // Larger counts first; equal counts by name, so the order is stable between samples.
  const before = (a: [string, number], b: [string, number]) => a[1] > b[1] || (a[1] === b[1] && a[0] < b[0]);
  const top: Array<[string, number]> = [];
  if (n <= 0) return top;
  for (const e of entries) {
    if (!keep(e[0])) continue;
    if (top.length === n) {
      if (!before(e, top[n - 1]!)) continue;
      top.pop();
    }
    let i = top.length;
    while (i > 0 && before(e, top[i - 1]!)) i--;
    top.splice(i, 0, e);
  }
  return top;
}

export class AdminSampler {
  private last: Totals | undefined;

  constructor(private readonly s: AdminSources) {}

  private totals(now: number): Totals {
    const m = this.s.stats;
    return { at: now, received: new Map(m.received()), errors: new Map(m.errors()), sent: m.sent(), published: m.published(), rejected: m.upgradesRejected() };
  }

  /** A snapshot; rates are over the time since the previous call (zero on the first). */
  sample(now = Date.now()): AdminSnapshot {
    const cur = this.totals(now);
    const prev = this.last;
    this.last = cur;
    const secs = prev === undefined ? 0 : Math.max(0.001, (now - prev.at) / 1000);
    const rate = (a: number, b: number | undefined) => (prev === undefined ? 0 : Math.max(0, (a - (b ?? 0)) / secs));
    const byKey = (m: Map<string, number>, p: Map<string, number> | undefined, key: 'type' | 'code') =>
      [...m].sort((x, y) => y[1] - x[1]).map(([k, total]) => ({ [key]: k, total, per_second: round(rate(total, p?.get(k))) }));
    const health = this.s.stats.health();
    const topics = this.s.topics();
    let rooms = 0;
    for (const t of topics.keys()) if (this.s.isRoom(t)) rooms++;
    const mem = process.memoryUsage();
    return {
      at: now,
      instance: this.s.stats.instanceId,
      version: this.s.stats.version,
      uptime_seconds: Math.round(process.uptime()),
      status: health.status,
      connections: this.s.stats.connections(),
      users: this.s.stats.users(),
      rooms,
      top_rooms: topEntries(topics, this.s.topRooms, (t) => this.s.isRoom(t)).map(([room, members]) => ({ room, members })),
      rates: {
        received: round(rate(sum(cur.received), prev && sum(prev.received))),
        sent: round(rate(cur.sent, prev?.sent)),
        published: round(rate(cur.published, prev?.published)),
        errors: round(rate(sum(cur.errors), prev && sum(prev.errors))),
        upgrades_rejected: round(rate(cur.rejected, prev?.rejected)),
      },
      received_by_type: byKey(cur.received, prev?.received, 'type') as AdminSnapshot['received_by_type'],
      errors_by_code: byKey(cur.errors, prev?.errors, 'code') as AdminSnapshot['errors_by_code'],
      components: (health.components ?? {}) as Record<string, unknown>,
      process: { rss_bytes: mem.rss, heap_used_bytes: mem.heapUsed },
    };
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
