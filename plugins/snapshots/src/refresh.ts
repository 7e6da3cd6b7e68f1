/**
 * Records say what changed; the views they touch are refreshed, and only their viewers are told.
 *
 * A record names an entity (the one WS_ENTITY_TOPICS maps its topic to), a section and maybe an
 * entity id (read from the configured header/value fields). Records are coalesced: the views
 * they touch are marked, and marked views are refreshed once the records stop for
 * `refreshWindow` ms (or `refreshMaxDelay` after the first, under a steady stream). So a burst of
 * 1,000 records about one section costs one upstream call per affected view. A touched view
 * nobody on this instance views is dropped from the cache instead (the next request fetches it).
 */
import type { PluginContext } from '@actorwire/core';
import type { SnapshotCache } from './cache.js';
import { errorFrame, snapshotFrame } from './frames.js';
import type { View } from './view.js';
import type { Scoped, UpstreamCredentials } from './credentials.js';
import { ViewRefresh, type ViewRefreshCounts } from './view-refresh.js';
import type { Watchers } from './watchers.js';

type Logger = PluginContext['logger'];

/** The parts of a Kafka record the refresher reads. */
export interface ChangeRecord {
  topic: string;
  headers: Record<string, string>;
  value: unknown;
}

export interface Change {
  entity: string;
  /** Undefined: every section of the entity. */
  section: string | undefined;
  /** Undefined: every detail view of the entity (in the section). */
  id: string | undefined;
}

export interface RefreshOptions {
  refreshWindow: number;
  refreshMaxDelay: number;
  sectionFields: readonly string[];
  idFields: readonly string[];
  /** Refreshes nobody asked for go upstream with the service token or nothing, never a viewer's credential. */
  credentials: UpstreamCredentials;
}

/** `header:ws-section` / `value.section_id` → the field's value as a string, if present. */
export function readField(rec: ChangeRecord, field: string): string | undefined {
  let v: unknown;
  if (field.startsWith('header:')) v = rec.headers[field.slice(7)];
  else {
    v = rec.value;
    for (const part of field.slice(6).split('.')) {
      if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, part)) return undefined;
      v = (v as Record<string, unknown>)[part];
    }
  }
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

export class Refresher {
  readonly stats = { records: 0 };
  private readonly refresh: ViewRefresh<View>;
  /** Places touched since the last refresh (for cached views nobody watches). */
  private readonly touched = new Map<string, Change>();

  constructor(
    private readonly o: RefreshOptions,
    cache: SnapshotCache<Scoped<View>>,
    private readonly viewers: Watchers<View>,
    logger: Logger,
  ) {
    this.refresh = new ViewRefresh<View>({
      window: o.refreshWindow,
      maxDelay: o.refreshMaxDelay,
      credentials: o.credentials,
      cache,
      watchers: viewers,
      logger,
      frames: {
        snapshot: (view, snap) => snapshotFrame(view.kind === 'list' ? 'snapshot' : 'detail', view, snap),
        error: (view, err) => errorFrame(view.entity, view.section, err, { action: 'refresh', entityId: view.id }),
        describe: (view) => ({ entity: view.entity, section: view.section }),
      },
      pausedMessage: 'live updates are paused: the change stream is unavailable, this view may be stale until it returns',
      // Every cached answer the changes touched is dropped, except the server's own answers of watched views, refreshed now.
      beforeRefresh: () => {
        const touched = [...this.touched.values()];
        this.touched.clear();
        for (const change of touched) this.refresh.invalidate((v) => touches(v, change));
      },
    });
  }

  /** Views refreshed, snapshots pushed to sessions, failed refreshes. */
  get counts(): ViewRefreshCounts {
    return this.refresh.counts;
  }

  /** What a record on `topic` (an entity topic) says changed. */
  changeOf(entity: string, rec: ChangeRecord): Change {
    let section: string | undefined;
    for (const f of this.o.sectionFields) if ((section = readField(rec, f)) !== undefined) break;
    let id: string | undefined;
    for (const f of this.o.idFields) if ((id = readField(rec, f)) !== undefined) break;
    return { entity, section, id };
  }

  /** Mark what `change` touches; the refresh happens after the window. */
  record(change: Change): void {
    this.stats.records++;
    for (const w of this.viewers.of(change.entity, change.section)) if (touches(w.view, change)) this.refresh.mark(w.view);
    this.touched.set(`${change.entity}\u0000${change.section ?? '*'}\u0000${change.id ?? '*'}`, change);
    this.refresh.schedule();
  }

  /** The change stream stopped (Kafka brokers away): every viewer is told, once, that its view may go stale. */
  paused(): void {
    this.refresh.paused();
  }

  /** The change stream flows again: every watched view is refreshed. */
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

/** Does `change` concern `view`? List views of the section always; detail views when the id matches (or is unknown). */
function touches(view: View, change: Change): boolean {
  if (view.entity !== change.entity) return false;
  if (change.section !== undefined && view.section !== change.section) return false;
  if (view.kind === 'detail' && change.id !== undefined) return view.id === change.id;
  return true;
}
