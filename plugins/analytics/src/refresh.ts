/**
 * Events re-query the dashboards they affect and push the answer to those dashboards' sessions
 * only. An event is about an entity (the Kafka topic it came on says which); the affects map
 * says which dashboard entities it touches (its own always); when the event names a restaurant,
 * dashboards filtered to another restaurant are left alone. Events are coalesced: a burst costs
 * one upstream call per distinct dashboard (scope, entity, query), however many sessions share it.
 */
import type { PluginContext } from '@actorwire/core';
import { ViewRefresh, readField, type ChangeRecord, type Scoped, type SnapshotCache, type UpstreamCredentials, type ViewRefreshCounts, type Watchers } from '@actorwire/plugin-snapshots/upstream';
import { param, type Dashboard } from './dashboard.js';
import { errorFrame, snapshotFrame } from './frames.js';

type Logger = PluginContext['logger'];

export interface AnalyticsEvent {
  /** The entity the event is about (`payments`, `tables`, …). */
  entity: string;
  /** The restaurant it concerns, when known. */
  restaurantId?: string;
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
  readonly stats = { events: 0 };
  private readonly refresh: ViewRefresh<Dashboard>;

  constructor(
    private readonly o: RefreshOptions,
    cache: SnapshotCache<Scoped<Dashboard>>,
    private readonly boards: Watchers<Dashboard>,
    logger: Logger,
  ) {
    this.refresh = new ViewRefresh<Dashboard>({
      window: o.window,
      maxDelay: o.maxDelay,
      credentials: o.credentials,
      cache,
      watchers: boards,
      logger,
      frames: {
        snapshot: (d, snap) => snapshotFrame(d, snap, { action: 'update' }),
        error: (d, err) => errorFrame(d, err, { action: 'update' }),
        describe: (d) => ({ scope: d.scope, entity: d.entity }),
      },
      pausedMessage: 'live updates are paused: the event stream is unavailable, this dashboard may be stale until it returns',
    });
  }

  /** Dashboards re-queried, snapshots pushed to sessions, failed re-queries. */
  get counts(): ViewRefreshCounts {
    return this.refresh.counts;
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
      for (const w of this.boards.of(entity)) if (touches(w.view)) this.refresh.mark(w.view);
      // Cached answers the event touches are dropped now; watched ones are re-queried after the window.
      this.refresh.invalidate((d) => d.entity === entity && touches(d));
    }
    this.refresh.schedule();
  }

  /** The event stream stopped: every session is told, once, that its dashboard may go stale. */
  paused(): void {
    this.refresh.paused();
  }

  /** The event stream flows again: every watched dashboard is re-queried. */
  resumed(): void {
    this.refresh.resumed();
  }

  flush(): Promise<void> {
    return this.refresh.flush();
  }

  idle(): Promise<void> {
    return this.refresh.idle();
  }
}
