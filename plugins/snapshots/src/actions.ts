/**
 * The entity dialect's actions on snapshot routes:
 *   list   (`list`, `fetch_all`, `list_<entity>`) → `{entity}.list`
 *   detail (`detail`, `fetch_one`, `get_<entity>`, with an id) → `{entity}.detail`
 *   actions other plugins define for an entity → `{entity}.{action}`
 * Answers go to the requesting session; failures go to it as `{entity}.error` with a code,
 * never dropped. A session that received a view keeps receiving its refreshes.
 */
import type { Awaitable, InboundMessage, MessageContext, MessageDefinition, PluginContext, Session } from '@actorwire/core';
import type { CacheAnswer, SnapshotCache } from './cache.js';
import type { EntityTable } from './entities.js';
import { SnapshotError, invalid } from './errors.js';
import { errorFrame, payloadFrame, snapshotFrame } from './frames.js';
import { makeView, readId, readQuery, type View, type ViewKind } from './view.js';
import type { Watchers } from './watchers.js';
import { scoped, type Scoped, type UpstreamCredentials } from './credentials.js';

/** Where a session is: set at the upgrade, read by every action. */
export interface Place {
  entity: string;
  section: string;
}

type Logger = PluginContext['logger'];

export const PLACE_KEY = 'snapshots.place';

export function placeOf(session: Session): Place | undefined {
  return session.data.get(PLACE_KEY) as Place | undefined;
}

/** What a plugin-defined action gets. */
export interface ActionRequest {
  session: Session;
  entity: string;
  section: string;
  /** The name the client sent. */
  action: string;
  message: Readonly<Record<string, unknown>>;
  /** The request's query parameters (validated, sorted). */
  query: ReadonlyArray<readonly [string, string]>;
  /** A snapshot of this section through the cache (single flight, TTL). */
  snapshot(kind: ViewKind, id?: string): Promise<CacheAnswer>;
}

/** Returns the payload of the `{entity}.{action}` answer; throw a SnapshotError to answer `.error`. */
export type ActionHandler = (req: ActionRequest) => Awaitable<unknown>;

export interface ActionsDeps {
  ctx: PluginContext;
  routes: readonly string[];
  entities: EntityTable;
  cache: SnapshotCache<Scoped<View>>;
  viewers: Watchers<View>;
  maxQueryParams: number;
  credentials: UpstreamCredentials;
  logger: Logger;
  /** Actions whose answer goes to every session of the section, on the section's `{entity}.{action}` topic. */
  observable: ReadonlySet<string>;
  /** The section's topic of a kind (`sectionTopic`). */
  topicOf(entity: string, section: string, kind: string): string;
}

export class Actions {
  /** `list_restaurants` → `restaurants` (names that say their entity). */
  private readonly entityOfAction = new Map<string, string>();
  /** Plugin-defined action → entity (`*`: every entity) → handler. */
  private readonly custom = new Map<string, Map<string, ActionHandler>>();

  constructor(private readonly d: ActionsDeps) {}

  /** Define `list` and `detail` with every alias. */
  defineBuiltins(): void {
    const listAliases: Record<string, (raw: Record<string, unknown>) => InboundMessage> = Object.create(null);
    const detailAliases: Record<string, (raw: Record<string, unknown>) => InboundMessage> = Object.create(null);
    const as = (type: string) => (raw: Record<string, unknown>) => ({ ...raw, type, action: raw.type }) as InboundMessage;
    listAliases.fetch_all = as('list');
    detailAliases.fetch_one = as('detail');
    for (const entity of this.d.entities.entities) {
      for (const name of this.d.entities.namesOf(entity)) {
        for (const [prefix, table, type] of [['list_', listAliases, 'list'], ['get_', detailAliases, 'detail']] as const) {
          const action = `${prefix}${name}`;
          if (this.entityOfAction.has(action)) continue;
          this.entityOfAction.set(action, entity);
          table[action] = as(type);
        }
      }
    }
    this.d.ctx.messages.define('list', this.definition('list', listAliases));
    this.d.ctx.messages.define('detail', this.definition('detail', detailAliases));
  }

  /** Let another plugin answer `action` for `entity` (or `*`). Call it from your plugin's register. */
  define(entity: string, action: string, handler: ActionHandler): void {
    if (!/^[a-z][a-z0-9_-]{0,63}$/.test(action)) throw new Error(`snapshots action name ${JSON.stringify(action)}: use lower case letters, digits, _ and -`);
    const target = entity === '*' ? '*' : this.d.entities.normalize(entity);
    if (target === undefined) throw new Error(`snapshots action "${action}": unknown entity ${JSON.stringify(entity)}`);
    let byEntity = this.custom.get(action);
    if (byEntity === undefined) {
      this.custom.set(action, (byEntity = new Map()));
      this.d.ctx.messages.define(action, {
        routes: [...this.d.routes],
        handle: (mctx) => this.runCustom(mctx, action),
      });
    }
    if (byEntity.has(target)) throw new Error(`snapshots action "${action}" is already defined for ${target}`);
    byEntity.set(target, handler);
  }

  private definition(kind: ViewKind, aliases: Record<string, (raw: Record<string, unknown>) => InboundMessage>): MessageDefinition {
    return { routes: [...this.d.routes], aliases, handle: (mctx) => this.runView(mctx, kind) };
  }

  private async runView(mctx: MessageContext, kind: ViewKind): Promise<void> {
    const { session } = mctx;
    const m = mctx.message as unknown as Record<string, unknown>;
    const place = placeOf(session);
    if (place === undefined) return; // not a snapshot route (cannot happen: the definition is route-bound)
    const action = typeof m.action === 'string' ? m.action : mctx.message.type;
    const reqId = mctx.message.id;
    let entityId: string | undefined;
    try {
      const named = this.entityOfAction.get(action);
      if (named !== undefined && named !== place.entity) throw invalid(`${action} is an action of ${named}; this connection serves ${place.entity}`);
      if (kind === 'detail') {
        entityId = readId(m);
        if (entityId === undefined) throw invalid('id is required');
      }
      const view = makeView(place.entity, place.section, kind, entityId, readQuery(m, this.d.maxQueryParams, kind === 'detail' ? 'id' : undefined));
      const answer = await this.snapshot(session, view);
      if (session.phase === 'ready') this.d.viewers.watch(session, view);
      session.sendRaw(snapshotFrame(kind, view, answer.snapshot, { id: reqId, action, cached: answer.cached, stale: answer.stale }));
    } catch (err) {
      this.fail(session, place, err, { id: reqId, action, entityId });
    }
  }

  private async runCustom(mctx: MessageContext, action: string): Promise<void> {
    const { session } = mctx;
    const place = placeOf(session);
    if (place === undefined) return;
    const m = mctx.message as unknown as Record<string, unknown>;
    const reqId = mctx.message.id;
    const byEntity = this.custom.get(action)!;
    const handler = byEntity.get(place.entity) ?? byEntity.get('*');
    try {
      if (handler === undefined) throw invalid(`action ${action} is not available for ${place.entity}`);
      const query = readQuery(m, this.d.maxQueryParams);
      const payload = await handler({
        session,
        entity: place.entity,
        section: place.section,
        action,
        message: m,
        query,
        snapshot: (kind, id) => this.snapshot(session, makeView(place.entity, place.section, kind, id, [...query] as Array<[string, string]>)),
      });
      const frame = payloadFrame(action, place.entity, place.section, payload, { id: reqId, action });
      if (!this.d.observable.has(action)) {
        session.sendRaw(frame);
        return;
      }
      // Every session of the section, on every instance, the asker among them (its `id` says which answer is its own).
      const topic = this.d.topicOf(place.entity, place.section, action);
      this.d.ctx.bus.publishRaw(topic, frame);
      if (!session.topics.has(topic)) session.sendRaw(frame);
    } catch (err) {
      this.fail(session, place, err, { id: reqId, action });
    }
  }

  /** A view for the session's own request: with its own credential, from the cache of its audience. */
  private snapshot(session: Session, view: View): Promise<CacheAnswer> {
    const credential = this.d.credentials.forSession(session);
    return this.d.cache.get(scoped(view, credential.audience), credential.token);
  }

  private fail(session: Session, place: Place, err: unknown, x: { id?: string; action: string; entityId?: string }): void {
    let e: SnapshotError;
    if (err instanceof SnapshotError) e = err;
    else {
      this.d.logger.error({ err, session: session.id, entity: place.entity, action: x.action }, 'snapshot action failed');
      e = new SnapshotError('INTERNAL_ERROR', 'internal server error');
    }
    session.sendRaw(errorFrame(place.entity, place.section, e, x));
  }
}
