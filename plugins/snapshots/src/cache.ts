/**
 * Snapshots per view: fresh for `ttl`, at most `maxEntries` (least recently used go first),
 * one upstream call per view at a time however many sessions ask (single flight), and, when
 * configured, an expired snapshot served flagged `stale` while it is refreshed.
 */
import type { Snapshot } from './upstream.js';

/** What the cache needs of a view: the key that names it. */
export interface Keyed {
  readonly key: string;
}

export interface CacheOptions {
  ttl: number;
  maxEntries: number;
  staleWhileRevalidate: boolean;
}

export type Load<V extends Keyed> = (view: V, token: string | undefined) => Promise<Snapshot>;

interface Entry<V extends Keyed> {
  readonly view: V;
  snapshot: Snapshot | undefined;
  /** When `snapshot` stops being fresh; 0 once a refresh was asked for. */
  freshUntil: number;
  inflight: Promise<Snapshot> | undefined;
  /** Bumped when a change is reported: a fetch that started before it is not fresh. */
  generation: number;
}

export interface CacheAnswer {
  snapshot: Snapshot;
  /** Served from the cache (no upstream call for this request). */
  cached: boolean;
  /** Expired, served while a refresh runs. */
  stale: boolean;
}

export interface CacheStats {
  hits: number;
  misses: number;
  stale: number;
  evictions: number;
}

export class SnapshotCache<V extends Keyed> {
  private readonly entries = new Map<string, Entry<V>>();
  readonly stats: CacheStats = { hits: 0, misses: 0, stale: 0, evictions: 0 };

  constructor(
    private readonly o: CacheOptions,
    private readonly load: Load<V>,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The snapshot of `view`: cached and fresh, stale while refreshing (if allowed), or fetched. */
  /**
   * `token` is the credential this request's fetch (if one is needed) goes upstream with; the
   * entry is shared only by requests whose key is the same (keys name their audience: see credentials.ts).
   */
  async get(view: V, token: string | undefined): Promise<CacheAnswer> {
    const entry = this.touch(view);
    const snap = entry.snapshot;
    if (snap !== undefined && this.now() < entry.freshUntil) {
      this.stats.hits++;
      return { snapshot: snap, cached: true, stale: false };
    }
    if (snap !== undefined && this.o.staleWhileRevalidate) {
      this.stats.stale++;
      this.fetch(entry, token).catch(() => undefined); // its failure reaches whoever waits on it next
      return { snapshot: snap, cached: true, stale: true };
    }
    const joined = entry.inflight !== undefined;
    if (joined) this.stats.hits++;
    else this.stats.misses++;
    return { snapshot: await this.fetch(entry, token), cached: joined, stale: false };
  }

  /**
   * Fetch `view` again now (a record said it changed). A fetch already in flight may predate
   * the change, so it is waited for and followed by a new one.
   */
  async refresh(view: V, token: string | undefined): Promise<Snapshot> {
    const entry = this.entries.get(view.key) ?? this.touch(view);
    entry.freshUntil = 0;
    entry.generation++;
    if (entry.inflight !== undefined) {
      await entry.inflight.catch(() => undefined);
      // Someone started a fetch after the change: share it.
      if (entry.inflight !== undefined) return entry.inflight;
    }
    return this.fetch(entry, token);
  }

  /** Forget `key` (nobody views it: the next request fetches). */
  invalidate(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    if (entry.inflight === undefined) this.entries.delete(key);
    else {
      entry.freshUntil = 0;
      entry.generation++;
    }
  }

  /** Forget every cached view `match` accepts (see invalidate). */
  invalidateWhere(match: (view: V) => boolean): void {
    for (const view of this.viewsWhere(match)) this.invalidate(view.key);
  }

  /** Every cached view `match` accepts (a snapshot: safe to invalidate while iterating). */
  viewsWhere(match: (view: V) => boolean): V[] {
    const out: V[] = [];
    for (const e of this.entries.values()) if (match(e.view)) out.push(e.view);
    return out;
  }

  private touch(view: V): Entry<V> {
    let entry = this.entries.get(view.key);
    if (entry !== undefined) {
      // Most recently used last: Map order is the LRU order.
      this.entries.delete(view.key);
    } else {
      entry = { view, snapshot: undefined, freshUntil: 0, inflight: undefined, generation: 0 };
    }
    this.entries.set(view.key, entry);
    this.evict();
    return entry;
  }

  private fetch(entry: Entry<V>, token: string | undefined): Promise<Snapshot> {
    if (entry.inflight !== undefined) return entry.inflight;
    const generation = entry.generation;
    const p = this.load(entry.view, token).then(
      (snap) => {
        entry.inflight = undefined;
        if (this.o.ttl > 0) {
          entry.snapshot = snap;
          // A change reported while this fetch ran may not be in it: serve it, but not as fresh.
          entry.freshUntil = entry.generation === generation ? snap.fetchedAt + this.o.ttl : 0;
        } else if (this.entries.get(entry.view.key) === entry) {
          this.entries.delete(entry.view.key); // no caching: the entry only served the single flight
        }
        return snap;
      },
      (err: unknown) => {
        entry.inflight = undefined;
        // A failed view is not cached; a stale snapshot (if any) stays until evicted.
        if (entry.snapshot === undefined && this.entries.get(entry.view.key) === entry) this.entries.delete(entry.view.key);
        throw err;
      },
    );
    entry.inflight = p;
    return p;
  }

  private evict(): void {
    if (this.entries.size <= this.o.maxEntries) return;
    for (const [key, e] of this.entries) {
      if (this.entries.size <= this.o.maxEntries) break;
      if (e.inflight !== undefined) continue; // its waiters still need it
      this.entries.delete(key);
      this.stats.evictions++;
    }
  }
}
