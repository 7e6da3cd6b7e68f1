/**
 * Events re-query the dashboards they affect and push the answer to those dashboards' sessions
 * only. An event is about an entity (the Kafka topic it came on says which); the affects map
 * says which dashboard entities it touches (its own always); when the event names a restaurant,
 * dashboards filtered to another restaurant are left alone. Events are coalesced: a burst costs
 * one upstream call per distinct dashboard (scope, entity, query), however many sessions share it.
 */
import type { PluginContext } from '@actorwire/core';
import { Coalescer, SnapshotError, readField, scoped, type ChangeRecord, type Scoped, type SnapshotCache, type UpstreamCredentials } from '@actorwire/plugin-snapshots/upstream';
import type { Boards } from './boards.js';
import { param, type Dashboard } from './dashboard.js';
import { errorFrame, snapshotFrame } from './frames.js';

type Logger = PluginContext['logger'];

export interface AnalyticsEvent {
  /** The entity the event is about (`payments`, `tables`, …). */
  entity: string;
  /** The restaurant it concerns, when known. */
  restaurantId?: string;
}

export interface RefreshStats {
  events: number;
  /** Dashboards re-queried (one upstream call each, unless shared with a request in flight). */
  requeries: number;
  /** Snapshots pushed to sessions. */
  pushed: number;
  failed: number;
}

export interface RefreshOptions {
  window: number;
  maxDelay: number;
  /** Entity → dashboard entities an event about it touches (its own included). */
  affects: ReadonlyMap<string, ReadonlySet<string>>;
  restaurantParam: string;
  restaurantFields: readonly string[];
  /** Re-queries nobody asked for go upstream with the service token or nothing, never a watcher's credential. */
  credentials: UpstreamCredentials;
}

export class Refresher {
  readonly stats: RefreshStats = { events: 0, requeries: 0, pushed: 0, failed: 0 };
  private readonly coalescer: Coalescer<Dashboard>;

  constructor(
    private readonly o: RefreshOptions,
    private readonly cache: SnapshotCache<Scoped<Dashboard>>,
    private readonly boards: Boards,
    private readonly logger: Logger,
  ) {
    this.coalescer = new Coalescer({ window: o.window, maxDelay: o.maxDelay }, (ds) => this.requeryAll(ds));
  }

  /** The event a Kafka record on an entity's topic is. */
  eventOf(entity: string, rec: ChangeRecord): AnalyticsEvent {
    for (const f of this.o.restaurantFields) {
      const id = readField(rec, f);
      if (id !== undefined) return { entity, restaurantId: id };
    }
    return { entity };
  }

  /** Dashboard entities an event about `entity` touches. */
  affected(entity: string): ReadonlySet<string> {
    return this.o.affects.get(entity) ?? new Set([entity]);
  }

  record(ev: AnalyticsEvent): void {
    this.stats.events++;
    const touches = (d: Dashboard) => {
      if (ev.restaurantId === undefined) return true;
      const r = param(d, this.o.restaurantParam);
      return r === undefined || r === ev.restaurantId;
    };
    for (const entity of this.affected(ev.entity)) {
      for (const w of this.boards.ofEntity(entity)) if (touches(w.dashboard)) this.coalescer.mark(w.dashboard.key, w.dashboard);
      // Every cached answer the event touches is dropped (the next request fetches it with its own
      // credential), except the server's own answers of watched dashboards, re-queried after the window.
      const server = this.o.credentials.forServer().audience;
      for (const item of this.cache.viewsWhere((v) => v.view.entity === entity && touches(v.view))) {
        if (item.audience !== server || this.boards.get(item.view.key) === undefined) this.cache.invalidate(item.key);
      }
    }
    this.coalescer.schedule();
  }

  /** The event stream stopped: every session is told, on `.error` with code UNAVAILABLE, that its dashboard may go stale. */
  paused(): void {
    const err = { code: 'UNAVAILABLE', message: 'live updates are paused: the event stream is unavailable, this dashboard may be stale until it returns' };
    for (const w of this.boards.all()) {
      const frame = errorFrame(w.dashboard, err, { action: 'update' });
      for (const s of w.sessions) s.sendRaw(frame);
    }
  }

  /** The event stream flows again: what it missed is unknown, so every watched dashboard is re-queried. */
  resumed(): void {
    for (const w of this.boards.all()) this.coalescer.mark(w.dashboard.key, w.dashboard);
    this.cache.invalidateWhere(() => true);
    this.coalescer.schedule();
  }

  flush(): Promise<void> {
    return this.coalescer.flush();
  }

  idle(): Promise<void> {
    return this.coalescer.idle();
  }

  private async requeryAll(dashboards: Dashboard[]): Promise<void> {
    await Promise.all(dashboards.map((d) => this.requery(d)));
  }

  private async requery(d: Dashboard): Promise<void> {
    const watched = this.boards.get(d.key);
    if (watched === undefined) return; // everybody left meanwhile
    this.stats.requeries++;
    let frame: string;
    try {
      const credential = this.o.credentials.forServer();
      const snap = await this.cache.refresh(scoped(d, credential.audience), credential.token);
      frame = snapshotFrame(d, snap, { action: 'update' });
    } catch (err) {
      this.stats.failed++;
      const e = err instanceof SnapshotError ? err : new SnapshotError('UPSTREAM_ERROR', 'the re-query failed');
      if (!(err instanceof SnapshotError)) this.logger.error({ err, scope: d.scope, entity: d.entity }, 'analytics re-query failed');
      frame = errorFrame(d, e, { action: 'update' });
    }
    // Its sessions as of now: whoever left meanwhile is not sent to; whoever came gets it too.
    const now = this.boards.get(d.key);
    if (now === undefined) return;
    for (const s of now.sessions) {
      s.sendRaw(frame);
      this.stats.pushed++;
    }
  }
}
