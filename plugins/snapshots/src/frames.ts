/**
 * The frames of the entity dialect. Every frame says its topic (`{entity}.{kind}`), entity
 * and section; a snapshot carries the upstream body verbatim as `payload` (spliced in as the
 * JSON text it arrived as, never parsed and re-serialised) and `metadata` (null).
 */
import { spliceSnapshot, type Snapshot } from './upstream.js';
import type { SnapshotError } from './errors.js';
import type { View } from './view.js';

export interface FrameExtras {
  /** The request's correlation id. */
  id?: string;
  /** The action the client sent (`list_restaurants`, `fetch_all`, …). */
  action?: string;
  cached?: boolean;
  stale?: boolean;
}

/** A view's query as an object (repeated names become arrays). */
export function queryObject(query: View['query']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of query) {
    const prev = out[name];
    out[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

/** `{entity}.{kind}` frame with a verbatim payload. */
export function snapshotFrame(kind: string, view: View, snap: Snapshot, x: FrameExtras = {}): string {
  const topic = `${view.entity}.${kind}`;
  const head: Record<string, unknown> = { type: topic, topic, entity: view.entity, section: view.section };
  if (x.action !== undefined) head.action = x.action;
  if (view.id !== undefined) head.entity_id = view.id;
  if (view.query.length > 0) head.query = queryObject(view.query);
  if (x.cached !== undefined) head.cached = x.cached;
  if (x.stale) head.stale = true;
  if (x.id !== undefined) head.id = x.id;
  head.fetched_at = snap.fetchedAt;
  return spliceSnapshot(head, snap);
}

/** `{entity}.{kind}` frame with a payload a plugin action returned. */
export function payloadFrame(kind: string, entity: string, section: string, payload: unknown, x: FrameExtras = {}): string {
  const topic = `${entity}.${kind}`;
  const frame: Record<string, unknown> = { type: topic, topic, entity, section };
  if (x.action !== undefined) frame.action = x.action;
  if (x.id !== undefined) frame.id = x.id;
  frame.payload = payload === undefined ? null : payload;
  frame.metadata = null;
  frame.timestamp = Date.now();
  return JSON.stringify(frame);
}

/** `{entity}.error`: what failed, with a stable code and, for upstream failures, the upstream status. */
export function errorFrame(entity: string, section: string, err: SnapshotError | { code: string; message: string; upstreamStatus?: number }, x: FrameExtras & { entityId?: string } = {}): string {
  const topic = `${entity}.error`;
  const frame: Record<string, unknown> = { type: topic, topic, entity, section };
  if (x.action !== undefined) frame.action = x.action;
  if (x.entityId !== undefined) frame.entity_id = x.entityId;
  frame.code = err.code;
  frame.error = err.message;
  if (err.upstreamStatus !== undefined) frame.status = err.upstreamStatus;
  if (x.id !== undefined) frame.id = x.id;
  frame.timestamp = Date.now();
  return JSON.stringify(frame);
}
