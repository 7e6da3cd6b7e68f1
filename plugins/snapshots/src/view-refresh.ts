/**
 * Refreshing watched views across the cluster, shared by snapshots (sections) and analytics
 * (dashboards). Every view is a server topic (`ViewTopics`): a session that watches a view is
 * subscribed to it, so a refreshed answer is published once and reaches the view's sessions on
 * every instance by native fan-out.
 *
 * A change (a Kafka record, consumed by one instance of the group; a change reported over HTTP)
 * is coalesced on the instance that received it: once changes stop for `window` ms (or
 * `maxDelay` after the first) that instance reads which views have sessions anywhere (presence),
 * fetches each view a change touches once — with the server's credential or none, never a
 * watcher's — and publishes the answer to the view's topic. It also tells every instance which
 * changes it handled (`$<name>:changes`), so each drops the cached answers they touched.
 * When the change stream stops, each instance tells its own viewers their view may go stale;
 * when it flows again, each refreshes the views its own sessions watch, for them.
 */
import type { InputGuard, PluginContext, Session } from '@actorwire/core';
import type { SnapshotCache } from './cache.js';
import { Coalescer } from './coalescer.js';
import { scoped, type Scoped, type UpstreamCredentials } from './credentials.js';
import { SnapshotError } from './errors.js';
import type { Snapshot } from './upstream.js';
import type { Watchable } from './watchers.js';

/** How a plugin's views go out. */
export interface ViewFrames<V> {
  /** The frame a refreshed view is sent as. */
  snapshot(view: V, snap: Snapshot): string;
  /** The frame a failed refresh, or a paused change stream, is sent as. */
  error(view: V, err: SnapshotError | { code: string; message: string }): string;
  /** Log fields naming a view, for a refresh that failed unexpectedly. */
  describe(view: V): Record<string, unknown>;
}

/** Views ↔ their server topics. A topic read back (presence, other instances) is input: checked. */
export interface ViewTopics<V> {
  /** Every view topic starts with it (`$snapshots:view:`). */
  readonly prefix: string;
  topicOf(view: V): string;
  /** The view a topic names, or undefined when it names none this plugin would make. */
  viewOf(topic: string): V | undefined;
}

/** What a plugin's changes are: which views one touches, and how one travels to other instances. */
export interface ChangeKind<V, C> {
  /** Two changes with one key are one (coalescing). */
  key(change: C): string;
  touches(view: V, change: C): boolean;
  /** A change read back from another instance's notice, or undefined when it is not one. */
  parse(raw: unknown): C | undefined;
}

export interface ViewRefreshOptions<V extends Watchable, C> {
  /** The plugin's name: the notice topic is `$<name>:changes`. */
  name: string;
  ctx: Pick<PluginContext, 'bus' | 'services' | 'topics' | 'logger'>;
  /** Guards the notices other instances send. */
  inputs: InputGuard;
  window: number;
  maxDelay: number;
  credentials: UpstreamCredentials;
  cache: SnapshotCache<Scoped<V>>;
  topics: ViewTopics<V>;
  changes: ChangeKind<V, C>;
  frames: ViewFrames<V>;
  /** What the viewers are told while the change stream is away. */
  pausedMessage: string;
}

export interface ViewRefreshCounts {
  /** Views refreshed (one upstream call each, unless shared with a request in flight). */
  refreshed: number;
  /** Refreshed answers published to a view's topic (each reaches every session of the view, on every instance). */
  pushed: number;
  failed: number;
  /** Changes other instances handled, whose cached answers this one dropped. */
  heard: number;
}

/** A notice's changes at most: a larger one is refused as input. */
const MAX_NOTICE_CHANGES = 1000;

export class ViewRefresh<V extends Watchable, C> {
  readonly counts: ViewRefreshCounts = { refreshed: 0, pushed: 0, failed: 0, heard: 0 };
  private readonly coalescer: Coalescer<C>;
  private readonly noticeTopic: string;
  private stopListening: (() => void) | undefined;

  constructor(private readonly o: ViewRefreshOptions<V, C>) {
    this.noticeTopic = `$${o.name}:changes`;
    this.coalescer = new Coalescer({ window: o.window, maxDelay: o.maxDelay }, (changes) => this.refreshFor(changes));
    this.stopListening = o.ctx.bus.listen(this.noticeTopic, o.inputs.shield((payload: string) => this.heard(payload)));
  }

  /** A change: the views it touches are refreshed after the window. */
  record(change: C): void {
    this.coalescer.mark(this.o.changes.key(change), change);
    this.coalescer.schedule();
  }

  /** The change stream stopped: this instance's viewers are told once, with code UNAVAILABLE. */
  paused(): void {
    const err = { code: 'UNAVAILABLE', message: this.o.pausedMessage };
    for (const [view, sessions] of this.localViews()) {
      const frame = this.o.frames.error(view, err);
      for (const s of sessions) s.sendRaw(frame);
    }
  }

  /**
   * The change stream flows again: what it missed is unknown, so every cached answer goes, and
   * each instance refreshes the views its own sessions watch, for them (every instance resumes).
   */
  async resumed(): Promise<void> {
    this.o.cache.invalidateWhere(() => true);
    await Promise.all([...this.localViews()].map(async ([view, sessions]) => {
      const frame = await this.fetchFrame(view);
      for (const s of sessions) s.sendRaw(frame);
    }));
  }

  /** Refresh what is marked now (tests and shutdown). */
  flush(): Promise<void> {
    return this.coalescer.flush();
  }

  /** Wait for refreshes under way, and stop hearing other instances (shutdown). */
  async idle(): Promise<void> {
    this.stopListening?.();
    this.stopListening = undefined;
    await this.coalescer.idle();
  }

  /** Views with sessions anywhere in the cluster (presence), as this plugin names them. */
  private async watchedViews(): Promise<V[]> {
    const out: V[] = [];
    // The presence service as registered by then (a cluster plugin replaces the kernel's).
    for (const topic of Object.keys(await this.o.ctx.services.get('presence').topics())) {
      if (!topic.startsWith(this.o.topics.prefix)) continue;
      const view = this.o.topics.viewOf(topic);
      if (view === undefined) this.o.inputs.refuse('bad_shape', 'not a view topic of this plugin', { topic: topic.slice(0, 200) });
      else out.push(view);
    }
    return out;
  }

  /** Views with sessions on this instance, with those sessions. */
  private *localViews(): Iterable<[V, ReadonlySet<Session>]> {
    for (const topic of this.o.ctx.topics.localTopics().keys()) {
      if (!topic.startsWith(this.o.topics.prefix)) continue;
      const view = this.o.topics.viewOf(topic);
      if (view !== undefined) yield [view, this.o.ctx.topics.localMembers(topic)];
    }
  }

  private async refreshFor(changes: C[]): Promise<void> {
    if (changes.length === 0) return;
    let watched: V[];
    try {
      watched = await this.watchedViews();
    } catch (err) {
      this.o.ctx.logger.error({ err, plugin: this.o.name }, 'cannot read which views are watched: refreshing none');
      watched = [];
    }
    const touched = watched.filter((v) => changes.some((c) => this.o.changes.touches(v, c)));
    const refreshing = new Set(touched.map((v) => v.key));
    // Cached answers the changes touched go — except the server's own answers of the views
    // refreshed now, which the refresh replaces — here and, by the notice, everywhere else.
    const server = this.o.credentials.forServer().audience;
    this.dropTouched(changes, (item) => item.audience === server && refreshing.has(item.view.key));
    this.o.ctx.bus.publish(this.noticeTopic, { type: 'changes', origin: this.o.ctx.bus.instanceId, changes });
    await Promise.all(touched.map(async (view) => {
      this.o.ctx.bus.publishRaw(this.o.topics.topicOf(view), await this.fetchFrame(view));
      this.counts.pushed++;
    }));
  }

  /** Another instance handled changes: drop what they touched from this instance's cache. */
  private heard(payload: string): void {
    const notice = this.o.inputs.object(payload, { topic: this.noticeTopic });
    if (notice === undefined || notice.origin === this.o.ctx.bus.instanceId) return;
    if (typeof notice.origin !== 'string' || !Array.isArray(notice.changes) || notice.changes.length > MAX_NOTICE_CHANGES) {
      this.o.inputs.refuse('bad_shape', 'a changes notice is { origin, changes[] }', { topic: this.noticeTopic });
      return;
    }
    const changes: C[] = [];
    for (const raw of notice.changes) {
      const change = this.o.changes.parse(raw);
      if (change === undefined) this.o.inputs.refuse('bad_shape', 'not a change of this plugin', { topic: this.noticeTopic });
      else changes.push(change);
    }
    this.counts.heard += changes.length;
    this.dropTouched(changes, () => false);
  }

  private dropTouched(changes: C[], keep: (item: Scoped<V>) => boolean): void {
    for (const item of this.o.cache.viewsWhere((s) => changes.some((c) => this.o.changes.touches(s.view, c)))) {
      if (!keep(item)) this.o.cache.invalidate(item.key);
    }
  }

  /** The view fetched once with the server's credential, as the frame its sessions get (an error frame when it failed). */
  private async fetchFrame(view: V): Promise<string> {
    this.counts.refreshed++;
    try {
      const credential = this.o.credentials.forServer();
      return this.o.frames.snapshot(view, await this.o.cache.refresh(scoped(view, credential.audience), credential.token));
    } catch (err) {
      this.counts.failed++;
      const e = err instanceof SnapshotError ? err : new SnapshotError('UPSTREAM_ERROR', 'the refresh failed');
      if (!(err instanceof SnapshotError)) this.o.ctx.logger.error({ err, ...this.o.frames.describe(view) }, 'view refresh failed');
      return this.o.frames.error(view, e);
    }
  }
}
