/**
 * Events re-query the dashboards they affect, and the answers are published to those dashboards'
 * topics, reaching their sessions on every instance. An event is about an entity (the Kafka
 * topic it came on says which); the affects map says which dashboard entities it touches (its own
 * always); when the event names a restaurant, dashboards filtered to another restaurant are left
 * alone. Events are coalesced on the instance that consumed them (`ViewRefresh`): a burst costs
 * one upstream call per distinct dashboard (scope, entity, query) some session watches anywhere.
 */
import type { InputGuard, PluginContext } from '@actorwire/core';
import { ViewRefresh, readField, type ChangeRecord, type Scoped, type SnapshotCache, type UpstreamCredentials, type ViewRefreshCounts, type ViewTopics } from '@actorwire/plugin-snapshots/upstream';
import { param, type Dashboard } from './dashboard.js';
import { errorFrame, snapshotFrame } from './frames.js';

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
  private readonly refresh: ViewRefresh<Dashboard, AnalyticsEvent>;

  constructor(
    private readonly o: RefreshOptions,
    cache: SnapshotCache<Scoped<Dashboard>>,
    topics: ViewTopics<Dashboard>,
    ctx: Pick<PluginContext, 'bus' | 'services' | 'topics' | 'logger'>,
    inputs: InputGuard,
  ) {
    this.refresh = new ViewRefresh<Dashboard, AnalyticsEvent>({
      name: 'analytics',
      ctx,
      inputs,
      window: o.window,
      maxDelay: o.maxDelay,
      credentials: o.credentials,
      cache,
      topics,
      changes: {
        key: (ev) => `${ev.entity}\u0000${ev.restaurantId ?? '*'}`,
        touches: (d, ev) => this.touches(d, ev),
        parse: parseEvent,
      },
      frames: {
        snapshot: (d, snap) => snapshotFrame(d, snap, { action: 'update' }),
        error: (d, err) => errorFrame(d, err, { action: 'update' }),
        describe: (d) => ({ scope: d.scope, entity: d.entity }),
      },
      pausedMessage: 'live updates are paused: the event stream is unavailable, this dashboard may be stale until it returns',
    });
  }

  /** Dashboards re-queried, answers published, failed re-queries, events heard from other instances. */
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

  /** Does `ev` concern dashboard `d`: an affected entity, and the event's restaurant when both name one. */
  touches(d: Dashboard, ev: AnalyticsEvent): boolean {
    if (!this.affected(ev.entity).has(d.entity)) return false;
    if (ev.restaurantId === undefined) return true;
    const r = param(d, this.o.restaurantParam);
    return r === undefined || r === ev.restaurantId;
  }

  record(ev: AnalyticsEvent): void {
    this.stats.events++;
    this.refresh.record(ev);
  }

  /** The event stream stopped: this instance's sessions are told, once, that their dashboards may go stale. */
  paused(): void {
    this.refresh.paused();
  }

  /** The event stream flows again: this instance's dashboards are re-queried for their sessions. */
  resumed(): void {
    void this.refresh.resumed();
  }

  flush(): Promise<void> {
    return this.refresh.flush();
  }

  idle(): Promise<void> {
    return this.refresh.idle();
  }
}

/** An event another instance reports: an entity, and a restaurant when it named one. */
function parseEvent(raw: unknown): AnalyticsEvent | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const { entity, restaurantId } = raw as Record<string, unknown>;
  if (typeof entity !== 'string' || entity.length === 0 || entity.length > 128) return undefined;
  if (restaurantId === undefined) return { entity };
  if (typeof restaurantId !== 'string' || restaurantId.length === 0 || restaurantId.length > 4096) return undefined;
  return { entity, restaurantId };
}
