/**
 * Helpers for the server's view plugins, on a client connected to their route:
 * - `EntityView` — live entity snapshots (`/ws/:entity/:section`): `list`, `detail`, any other
 *   action, and the snapshots the server pushes when a change touches a viewed list or detail;
 * - `Dashboard` — a live analytics dashboard (`/ws/analytics/:scope/:entity`): `refresh`,
 *   `fetch` with filters, and every snapshot pushed (the first at connect, then on events).
 * Their answers are `<entity>.<kind>` frames; an `<entity>.error` answer rejects with its code.
 */
import type { ActorwireClient } from './client.js';
import { ActorwireClientError } from './errors.js';
import type { BaseFrame, ErrorFrame } from './frames.js';

/** A snapshot as the server sends it: the upstream's body in `payload`, verbatim. */
export interface SnapshotFrame<P = unknown> extends BaseFrame {
  topic: string;
  entity: string;
  section?: string;
  scope?: string;
  action?: string;
  query?: Record<string, string>;
  entity_id?: string;
  cached?: boolean;
  stale?: boolean;
  fetched_at?: number;
  payload: P;
}

function answer<P>(reply: BaseFrame): SnapshotFrame<P> {
  if (reply.type.endsWith('.error')) {
    const f = reply as ErrorFrame & { error?: string };
    throw new ActorwireClientError(String(f.code ?? 'UPSTREAM_ERROR'), String(f.error ?? 'view error'), f as ErrorFrame);
  }
  return reply as SnapshotFrame<P>;
}

/** Listen to pushed frames whose `type` is one of `types`. */
function pushed<P>(client: ActorwireClient, types: ReadonlySet<string>, fn: (f: SnapshotFrame<P>) => void): () => void {
  return client.on('notification', (f) => {
    if (types.has(f.type)) fn(f as SnapshotFrame<P>);
  });
}

export class EntityView<P = unknown> {
  constructor(
    private readonly client: ActorwireClient,
    /** The route's entity as the server names it (`restaurants`, `tables`, …). */
    readonly entity: string,
  ) {}

  /** The list view (`query` filters and pagination keys such as `page`, `limit`). */
  async list(query: Record<string, string | number | boolean> = {}, pagination: Record<string, string | number> = {}): Promise<SnapshotFrame<P>> {
    return answer<P>(await this.client.request({ action: 'list', type: 'list', query, ...pagination }));
  }

  /** The detail view of one entity. */
  async detail(entityId: string | number): Promise<SnapshotFrame<P>> {
    return answer<P>(await this.client.request({ action: 'detail', type: 'detail', entityId: String(entityId) }));
  }

  /** Another action a plugin defined on this entity (`{entity}.{action}` answers). */
  async action<R = unknown>(name: string, body: Record<string, unknown> = {}): Promise<SnapshotFrame<R>> {
    return answer<R>(await this.client.request({ ...body, action: name, type: name }));
  }

  /** Snapshots the server pushes for this entity (a change refreshed a list or detail someone views). */
  onUpdate(fn: (f: SnapshotFrame<P>) => void): () => void {
    return pushed(this.client, new Set([`${this.entity}.snapshot`, `${this.entity}.list`, `${this.entity}.detail`]), fn);
  }

  /** Failures the server pushes without a request (a failed refresh). */
  onError(fn: (f: BaseFrame) => void): () => void {
    return this.client.on('notification', (f) => { if (f.type === `${this.entity}.error`) fn(f); });
  }
}

export class Dashboard<P = unknown> {
  private readonly prefix: string;

  constructor(
    private readonly client: ActorwireClient,
    readonly scope: string,
    readonly entity: string,
  ) {
    this.prefix = `analytics-${scope}-${entity}`;
  }

  /** Every snapshot: the first one at connect, then after refresh/fetch and events. */
  onSnapshot(fn: (f: SnapshotFrame<P>) => void): () => void {
    return pushed(this.client, new Set([`${this.prefix}.snapshot`]), fn);
  }

  onError(fn: (f: BaseFrame) => void): () => void {
    return this.client.on('notification', (f) => { if (f.type === `${this.prefix}.error`) fn(f); });
  }

  /** Query the upstream again now (never from the cache). */
  async refresh(): Promise<SnapshotFrame<P>> {
    return answer<P>(await this.client.request({ action: 'refresh', type: 'refresh' }));
  }

  /** Merge `query` into the dashboard's filters (`""`/null removes one) and fetch. */
  async fetch(query: Record<string, string | number | null>): Promise<SnapshotFrame<P>> {
    return answer<P>(await this.client.request({ action: 'fetch', type: 'fetch', query }));
  }
}
