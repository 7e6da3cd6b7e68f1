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
import { SnapshotError } from './errors.js';
import { Coalescer } from './coalescer.js';
import { errorFrame, snapshotFrame } from './frames.js';
import type { Viewers } from './viewers.js';
import type { View } from './view.js';
import { scoped, type Scoped, type UpstreamCredentials } from './credentials.js';

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

export interface RefreshStats {
  records: number;
  /** Views refreshed (one upstream call each, unless shared with a request in flight). */
  refreshes: number;
  /** Snapshots pushed to sessions (one per viewer per refresh). */
  pushed: number;
  failed: number;
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
  readonly stats: RefreshStats = { records: 0, refreshes: 0, pushed: 0, failed: 0 };
  /** Views to refresh at the next flush, by key. */
  private readonly coalescer: Coalescer<View>;
  /** Places touched since the last flush (for cached views nobody watches). */
  private readonly touched = new Map<string, Change>();

  constructor(
    private readonly o: RefreshOptions,
    private readonly cache: SnapshotCache<Scoped<View>>,
    private readonly viewers: Viewers,
    private readonly logger: Logger,
  ) {
    this.coalescer = new Coalescer({ window: o.refreshWindow, maxDelay: o.refreshMaxDelay }, (views) => this.refreshAll(views));
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
    for (const w of this.viewers.views(change.entity, change.section)) {
      if (!touches(w.view, change)) continue;
      this.coalescer.mark(w.view.key, w.view);
    }
    this.touched.set(`${change.entity}\u0000${change.section ?? '*'}\u0000${change.id ?? '*'}`, change);
    this.coalescer.schedule();
  }

  /**
   * The change stream stopped (Kafka brokers away): every viewer is told, on `.error` with code
   * UNAVAILABLE, that its view may go stale. Sent once per stop, not repeated.
   */
  paused(): void {
    const err = { code: 'UNAVAILABLE', message: 'live updates are paused: the change stream is unavailable, this view may be stale until it returns' };
    for (const w of this.viewers.all()) {
      const frame = errorFrame(w.view.entity, w.view.section, err, { action: 'refresh', entityId: w.view.id });
      for (const s of w.sessions) s.sendRaw(frame);
    }
  }

  /** The change stream flows again: what it missed is unknown, so every watched view is refreshed. */
  resumed(): void {
    for (const w of this.viewers.all()) this.coalescer.mark(w.view.key, w.view);
    this.cache.invalidateWhere(() => true);
    this.coalescer.schedule();
  }

  /** Refresh what is marked now (tests and shutdown). */
  flush(): Promise<void> {
    return this.coalescer.flush();
  }

  /** Wait for refreshes under way (shutdown). */
  idle(): Promise<void> {
    return this.coalescer.idle();
  }

  private async refreshAll(views: View[]): Promise<void> {
    const touched = [...this.touched.values()];
    this.touched.clear();
    // Every cached answer the changes touch is dropped (the next request fetches it with its own
    // credential), except the server's own answers of watched views, refreshed just below.
    const server = this.o.credentials.forServer().audience;
    for (const change of touched) {
      for (const item of this.cache.viewsWhere((v) => touches(v.view, change))) {
        if (item.audience !== server || this.viewers.get(item.view.key) === undefined) this.cache.invalidate(item.key);
      }
    }
    await Promise.all(views.map((v) => this.refreshOne(v)));
  }

  private async refreshOne(view: View): Promise<void> {
    const watched = this.viewers.get(view.key);
    if (watched === undefined) return; // everybody left meanwhile
    this.stats.refreshes++;
    let frame: string;
    try {
      const credential = this.o.credentials.forServer();
      const snap = await this.cache.refresh(scoped(view, credential.audience), credential.token);
      frame = snapshotFrame(view.kind === 'list' ? 'snapshot' : 'detail', view, snap);
    } catch (err) {
      this.stats.failed++;
      const e = err instanceof SnapshotError ? err : new SnapshotError('UPSTREAM_ERROR', 'refresh failed');
      if (!(err instanceof SnapshotError)) this.logger.error({ err, entity: view.entity, section: view.section }, 'snapshot refresh failed');
      frame = errorFrame(view.entity, view.section, e, { action: 'refresh', entityId: view.id });
    }
    // Viewers as of now: whoever left meanwhile is not sent to; whoever came gets it too.
    const now = this.viewers.get(view.key);
    if (now === undefined) return;
    for (const s of now.sessions) {
      s.sendRaw(frame);
      this.stats.pushed++;
    }
  }
}

/** Does `change` concern `view`? List views of the section always; detail views when the id matches (or is unknown). */
function touches(view: View, change: Change): boolean {
  if (view.entity !== change.entity) return false;
  if (change.section !== undefined && view.section !== change.section) return false;
  if (view.kind === 'detail' && change.id !== undefined) return view.id === change.id;
  return true;
}
