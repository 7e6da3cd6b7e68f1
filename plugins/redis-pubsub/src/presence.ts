/**
 * Cluster-wide presence: every instance keeps its own view of its rooms in one Redis hash
 *   {prefix}{presence}:i:<instance>   field <topic> → {"n":members,"u":{"<userId>":connections}}
 *                                     field $conn   → connections of the instance
 * and heartbeats into a sorted set {prefix}{presence}:instances (score = expiry time). Readers
 * add the other live instances' entries to their own exact local figures, so a crashed
 * instance's members disappear after `presenceTtl` (its score and key expire).
 * Writes are write-through on (un)subscribe, plus a periodic full resync; reads fall back to
 * the local view while Redis is away. All keys share the `{presence}` hash tag, so the
 * pipelines work in cluster mode too.
 */
import type { PluginContext, Presence, PresenceMember, SessionRegistry, TopicRegistry } from '@actorwire/core';

type Logger = PluginContext['logger'];
import type { Client } from './connection.js';

const CONN = '$conn';
const FULL_SYNC_EVERY = 15;

interface Entry {
  n: number;
  u: Record<string, number>;
}

export interface PresenceDeps {
  client: Client;
  prefix: string;
  instanceId: string;
  topics: TopicRegistry;
  sessions: SessionRegistry;
  heartbeat: number;
  ttl: number;
  logger: Logger;
}

export class RedisPresence implements Presence {
  private readonly own: string;
  private readonly instances: string;
  private readonly dirty = new Set<string>();
  private flushScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private beats = 0;

  constructor(private readonly d: PresenceDeps) {
    this.own = this.hashKey(d.instanceId);
    this.instances = `${d.prefix}{presence}:instances`;
  }

  private hashKey(instance: string): string {
    return `${this.d.prefix}{presence}:i:${instance}`;
  }

  private ready(): boolean {
    return this.d.client.status === 'ready';
  }

  start(): void {
    this.timer = setInterval(() => void this.beat(), this.d.heartbeat);
    this.timer.unref();
  }

  /** A local membership changed: write it soon (batched). */
  touch(topic: string): void {
    this.dirty.add(topic);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // After the subscription completed (the kernel adds the member right after the hooks).
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush(false);
    });
  }

  /** Rewrite the whole local view (after a reconnect: the key may have expired meanwhile). */
  resync(): Promise<void> {
    return this.flush(true);
  }

  private entry(topic: string): Entry {
    // User ids and room names come from clients: null-prototype records throughout.
    const u: Record<string, number> = Object.create(null);
    for (const s of this.d.topics.localMembers(topic)) {
      const key = s.userId ?? '';
      u[key] = (u[key] ?? 0) + 1;
    }
    return { n: this.d.topics.localCount(topic), u };
  }

  /** One presence write at a time: while Redis is slow or frozen, changes gather in `dirty` instead of piling up pipelines. */
  private writing: Promise<void> | undefined;
  private fullPending = false;

  private async flush(full: boolean): Promise<void> {
    if (this.writing !== undefined) {
      if (full) this.fullPending = true;
      return;
    }
    const all = full || this.fullPending;
    this.fullPending = false;
    this.writing = this.write(all).then((ok) => {
      this.writing = undefined;
      // What changed meanwhile goes now; after a failure it waits for the next beat or reconnect.
      if (ok && (this.dirty.size > 0 || this.fullPending)) void this.flush(false);
    });
    return this.writing;
  }

  /** True when written (or nothing to do). */
  private async write(full: boolean): Promise<boolean> {
    if (!this.ready()) return false;
    const topics = full ? [...this.d.topics.localTopics().keys()] : [...this.dirty];
    this.dirty.clear();
    const p = this.d.client.pipeline();
    if (full) p.del(this.own);
    for (const topic of topics) {
      const e = this.entry(topic);
      if (e.n === 0) p.hdel(this.own, topic);
      else p.hset(this.own, topic, JSON.stringify(e));
    }
    p.hset(this.own, CONN, String(this.d.sessions.count()));
    p.pexpire(this.own, this.d.ttl);
    p.zadd(this.instances, Date.now() + this.d.ttl, this.d.instanceId);
    try {
      await p.exec();
      return true;
    } catch (err) {
      // Redis went away mid-write: redo everything once it is back.
      for (const t of topics) this.dirty.add(t);
      this.d.logger.debug({ err: (err as Error).message }, 'presence write failed; retried after reconnect');
      return false;
    }
  }

  private async beat(): Promise<void> {
    this.beats++;
    await this.flush(this.beats % FULL_SYNC_EVERY === 0);
    if (!this.ready()) return;
    try {
      await this.d.client.zremrangebyscore(this.instances, '-inf', Date.now());
    } catch {
      // Next beat.
    }
  }

  /** Other instances whose heartbeat has not expired. */
  private async others(): Promise<string[]> {
    const ids = await this.d.client.zrangebyscore(this.instances, Date.now(), '+inf');
    return ids.filter((id) => id !== this.d.instanceId);
  }

  /** `read` applied to every other live instance's hash; nothing while Redis is away. */
  private async forOthers<T>(read: (key: string) => Promise<T>): Promise<T[]> {
    if (!this.ready()) return [];
    try {
      const ids = await this.others();
      return await Promise.all(ids.map((id) => read(this.hashKey(id))));
    } catch (err) {
      this.d.logger.debug({ err: (err as Error).message }, 'presence read failed; local view only');
      return [];
    }
  }

  private async remoteEntries(topic: string): Promise<Entry[]> {
    const raw = await this.forOthers((key) => this.d.client.hget(key, topic));
    return raw.flatMap((r) => (r === null ? [] : [parseEntry(r)]));
  }

  async count(topic: string): Promise<number> {
    let n = this.d.topics.localCount(topic);
    for (const e of await this.remoteEntries(topic)) n += e.n;
    return n;
  }

  async members(topic: string): Promise<PresenceMember[]> {
    const byUser = new Map<string, number>();
    const add = (u: Record<string, number>) => {
      for (const [k, c] of Object.entries(u)) byUser.set(k, (byUser.get(k) ?? 0) + c);
    };
    add(this.entry(topic).u);
    for (const e of await this.remoteEntries(topic)) add(e.u);
    return [...byUser].map(([k, connections]) => ({ userId: k === '' ? null : k, connections }));
  }

  async topics(): Promise<Record<string, number>> {
    const out: Record<string, number> = Object.create(null);
    for (const [topic, n] of this.d.topics.localTopics()) out[topic] = n;
    for (const hash of await this.forOthers((key) => this.d.client.hgetall(key))) {
      for (const [topic, raw] of Object.entries(hash)) {
        if (topic === CONN) continue;
        const n = parseEntry(raw).n;
        if (n > 0) out[topic] = (out[topic] ?? 0) + n;
      }
    }
    return out;
  }

  async connections(): Promise<number> {
    let n = this.d.sessions.count();
    for (const c of await this.forOthers((key) => this.d.client.hget(key, CONN))) n += Number(c ?? 0) || 0;
    return n;
  }

  /** Graceful shutdown: our entries go at once instead of expiring. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (!this.ready()) return;
    try {
      await this.d.client.pipeline().del(this.own).zrem(this.instances, this.d.instanceId).exec();
    } catch {
      // They expire anyway.
    }
  }
}

function parseEntry(raw: string): Entry {
  try {
    const e = JSON.parse(raw) as Entry;
    if (typeof e.n !== 'number' || !e.u || typeof e.u !== 'object') return { n: 0, u: Object.create(null) };
    const u: Record<string, number> = Object.create(null);
    for (const [k, c] of Object.entries(e.u)) if (typeof c === 'number') u[k] = c;
    return { n: e.n, u };
  } catch {
    return { n: 0, u: Object.create(null) };
  }
}

