/**
 * Analytics frames. Every frame names its topic `analytics-<scope>-<entity>.<kind>` (as `type`
 * and `topic`), scope, entity and query; a snapshot carries the upstream body verbatim as
 * `payload` (never parsed and re-serialised) and `metadata` (null).
 */
import { spliceSnapshot, type Snapshot, type SnapshotError } from '@actorwire/plugin-snapshots/upstream';
import type { Dashboard } from './dashboard.js';

export interface FrameExtras {
  /** The request's correlation id. */
  id?: string;
  /** What caused it: `connect`, `refresh`, `fetch`, `update` (an event). */
  action?: string;
  cached?: boolean;
}

export function boardTopic(d: { scope: string; entity: string }, kind: 'snapshot' | 'error'): string {
  return `analytics-${d.scope}-${d.entity}.${kind}`;
}

function head(d: Dashboard, kind: 'snapshot' | 'error', x: FrameExtras): Record<string, unknown> {
  const topic = boardTopic(d, kind);
  const out: Record<string, unknown> = { type: topic, topic, scope: d.scope, entity: d.entity, query: Object.fromEntries(d.query) };
  if (x.action !== undefined) out.action = x.action;
  if (x.id !== undefined) out.id = x.id;
  return out;
}

export function snapshotFrame(d: Dashboard, snap: Snapshot, x: FrameExtras = {}): string {
  const h = head(d, 'snapshot', x);
  if (x.cached !== undefined) h.cached = x.cached;
  h.fetched_at = snap.fetchedAt;
  return spliceSnapshot(h, snap);
}

export function errorFrame(d: Dashboard, err: SnapshotError | { code: string; message: string; upstreamStatus?: number }, x: FrameExtras = {}): string {
  const h = head(d, 'error', x);
  h.code = err.code;
  h.error = err.message;
  if (err.upstreamStatus !== undefined) h.status = err.upstreamStatus;
  h.timestamp = Date.now();
  return JSON.stringify(h);
}
