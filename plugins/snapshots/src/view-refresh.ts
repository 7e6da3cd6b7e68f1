/**
 * Refreshing watched views, shared by snapshots (sections) and analytics (dashboards): views a
 * change touches are marked, and once the changes stop for `window` ms (or `maxDelay` after the
 * first) each marked view is fetched again — once, with the server's credential or none, never a
 * watcher's — and the answer goes to the sessions watching it then. When the change stream stops,
 * every watcher is told its view may go stale; when it flows again, everything watched is refreshed.
 */
import type { PluginContext } from '@actorwire/core';
import type { SnapshotCache } from './cache.js';
import { Coalescer } from './coalescer.js';
import { scoped, type Scoped, type UpstreamCredentials } from './credentials.js';
import { SnapshotError } from './errors.js';
import type { Snapshot } from './upstream.js';
import type { Watchable, Watchers } from './watchers.js';

type Logger = PluginContext['logger'];

/** How a plugin's views go out. */
export interface ViewFrames<V> {
  /** The frame a refreshed view is sent as. */
  snapshot(view: V, snap: Snapshot): string;
  /** The frame a failed refresh, or a paused change stream, is sent as. */
  error(view: V, err: SnapshotError | { code: string; message: string }): string;
  /** Log fields naming a view, for a refresh that failed unexpectedly. */
  describe(view: V): Record<string, unknown>;
}

export interface ViewRefreshOptions<V extends Watchable> {
  window: number;
  maxDelay: number;
  credentials: UpstreamCredentials;
  cache: SnapshotCache<Scoped<V>>;
  watchers: Watchers<V>;
  frames: ViewFrames<V>;
  logger: Logger;
  /** What the watchers are told while the change stream is away. */
  pausedMessage: string;
  /** Runs when marked views are about to be refreshed (e.g. to drop what the changes touched). */
  beforeRefresh?: () => void;
}

export interface ViewRefreshCounts {
  /** Views refreshed (one upstream call each, unless shared with a request in flight). */
  refreshed: number;
  /** Answers pushed to sessions (one per watcher per refresh). */
  pushed: number;
  failed: number;
}

export class ViewRefresh<V extends Watchable> {
  readonly counts: ViewRefreshCounts = { refreshed: 0, pushed: 0, failed: 0 };
  private readonly coalescer: Coalescer<V>;

  constructor(private readonly o: ViewRefreshOptions<V>) {
    this.coalescer = new Coalescer({ window: o.window, maxDelay: o.maxDelay }, (views) => {
      o.beforeRefresh?.();
      return Promise.all(views.map((v) => this.refreshOne(v))).then(() => undefined);
    });
  }

  /** Refresh `view` after the window. */
  mark(view: V): void {
    this.coalescer.mark(view.key, view);
  }

  /** Start (or extend) the window after changes were marked. */
  schedule(): void {
    this.coalescer.schedule();
  }

  /**
   * Drop every cached answer `touches` accepts — the next request fetches it with its own
   * credential — except the server's own answers of watched views, which the refresh renews.
   */
  invalidate(touches: (view: V) => boolean): void {
    const server = this.o.credentials.forServer().audience;
    for (const item of this.o.cache.viewsWhere((v) => touches(v.view))) {
      if (item.audience !== server || this.o.watchers.get(item.view.key) === undefined) this.o.cache.invalidate(item.key);
    }
  }

  /** The change stream stopped: every watcher is told once, with code UNAVAILABLE. */
  paused(): void {
    const err = { code: 'UNAVAILABLE', message: this.o.pausedMessage };
    for (const w of this.o.watchers.all()) {
      const frame = this.o.frames.error(w.view, err);
      for (const s of w.sessions) s.sendRaw(frame);
    }
  }

  /** The change stream flows again: what it missed is unknown, so everything watched is refreshed. */
  resumed(): void {
    for (const w of this.o.watchers.all()) this.mark(w.view);
    this.o.cache.invalidateWhere(() => true);
    this.schedule();
  }

  /** Refresh what is marked now (tests and shutdown). */
  flush(): Promise<void> {
    return this.coalescer.flush();
  }

  /** Wait for refreshes under way (shutdown). */
  idle(): Promise<void> {
    return this.coalescer.idle();
  }

  private async refreshOne(view: V): Promise<void> {
    if (this.o.watchers.get(view.key) === undefined) return; // everybody left meanwhile
    this.counts.refreshed++;
    let frame: string;
    try {
      const credential = this.o.credentials.forServer();
      frame = this.o.frames.snapshot(view, await this.o.cache.refresh(scoped(view, credential.audience), credential.token));
    } catch (err) {
      this.counts.failed++;
      const e = err instanceof SnapshotError ? err : new SnapshotError('UPSTREAM_ERROR', 'the refresh failed');
      if (!(err instanceof SnapshotError)) this.o.logger.error({ err, ...this.o.frames.describe(view) }, 'view refresh failed');
      frame = this.o.frames.error(view, e);
    }
    // Watchers as of now: whoever left meanwhile is not sent to; whoever came gets it too.
    const now = this.o.watchers.get(view.key);
    if (now === undefined) return;
    for (const s of now.sessions) {
      s.sendRaw(frame);
      this.counts.pushed++;
    }
  }
}
