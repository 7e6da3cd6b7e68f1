/**
 * Records say what changed; the views they touch are refreshed once and published to their topics,
 * so every session of a touched view, on any instance, gets the new snapshot.
 *
 * A record names an entity (the one WS_ENTITY_TOPICS maps its topic to), a section and maybe an
 * entity id (read from the configured header/value fields). Records are coalesced on the
 * instance that consumed them (`ViewRefresh`): a burst of 1,000 records about one section costs
 * one upstream call per view of it that some session watches — its list views (the passive
 * default view included) and the detail views of the ids the records name.
 */
import type { InputGuard, PluginContext } from '@actorwire/core';
import type { SnapshotCache } from './cache.js';
import type { EntityTable } from './entities.js';
import { errorFrame, snapshotFrame } from './frames.js';
import type { ViewTopicCodec } from './view-topics.js';
import type { View } from './view.js';
import type { Scoped, UpstreamCredentials } from './credentials.js';
import { SECTION } from './routes.js';
import { ViewRefresh, type ViewRefreshCounts } from './view-refresh.js';

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
  entities: EntityTable;
  topics: ViewTopicCodec;
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
  private readonly refresh: ViewRefresh<View, Change>;

  constructor(
    private readonly o: RefreshOptions,
    cache: SnapshotCache<Scoped<View>>,
    ctx: Pick<PluginContext, 'bus' | 'services' | 'topics' | 'logger'>,
    inputs: InputGuard,
  ) {
    this.refresh = new ViewRefresh<View, Change>({
      name: 'snapshots',
      ctx,
      inputs,
      window: o.refreshWindow,
      maxDelay: o.refreshMaxDelay,
      credentials: o.credentials,
      cache,
      topics: o.topics,
      changes: { key: changeKey, touches, parse: (raw) => parseChange(raw, o.entities) },
      frames: {
        snapshot: (view, snap) => snapshotFrame(view.kind === 'list' ? 'snapshot' : 'detail', view, snap),
        error: (view, err) => errorFrame(view.entity, view.section, err, { action: 'refresh', entityId: view.id }),
        describe: (view) => ({ entity: view.entity, section: view.section }),
      },
      pausedMessage: 'live updates are paused: the change stream is unavailable, this view may be stale until it returns',
    });
  }

  /** Views refreshed, snapshots published, failed refreshes, changes heard from other instances. */
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

  /** A change: the views it touches are refreshed after the window. */
  record(change: Change): void {
    this.stats.records++;
    // A section no route accepts touches no view (and would not pass another instance's check).
    if (change.section !== undefined && !SECTION.test(change.section)) return;
    this.refresh.record(change);
  }

  /** The change stream stopped (Kafka brokers away): this instance's viewers are told, once, that their views may go stale. */
  paused(): void {
    this.refresh.paused();
  }

  /** The change stream flows again: this instance's viewers get their views refreshed. */
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

function changeKey(c: Change): string {
  return `${c.entity}\u0000${c.section ?? '*'}\u0000${c.id ?? '*'}`;
}

/** A change another instance reports: an entity this plugin serves, a section and an id when given. */
function parseChange(raw: unknown, entities: EntityTable): Change | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const { entity, section, id } = raw as Record<string, unknown>;
  if (typeof entity !== 'string' || entities.normalize(entity) !== entity) return undefined;
  if (section !== undefined && (typeof section !== 'string' || !SECTION.test(section))) return undefined;
  if (id !== undefined && (typeof id !== 'string' || id.length === 0 || id.length > 4096)) return undefined;
  return { entity, section, id };
}

/** Does `change` concern `view`? List views of the section always; detail views when the id matches (or is unknown). */
function touches(view: View, change: Change): boolean {
  if (view.entity !== change.entity) return false;
  if (change.section !== undefined && view.section !== change.section) return false;
  if (view.kind === 'detail' && change.id !== undefined) return view.id === change.id;
  return true;
}
