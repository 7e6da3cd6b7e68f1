/**
 * A view: what one snapshot is of — entity, section, list or detail (with the entity id), and
 * the query parameters passed through to the upstream. Its `key` names its cache entry and
 * its viewers; two requests with the same parameters in another order are the same view.
 */
import { invalid } from './errors.js';
import { refuseCredentialName } from './credentials.js';

export type ViewKind = 'list' | 'detail';

export interface View {
  readonly entity: string;
  readonly section: string;
  readonly kind: ViewKind;
  /** The entity id of a detail view. */
  readonly id?: string;
  /** Query parameters, sorted by name (values of one name keep their order). */
  readonly query: ReadonlyArray<readonly [string, string]>;
  readonly key: string;
}

/** Pagination and sorting parameters accepted at the top level of a request too. */
const TOP_LEVEL = ['page', 'limit', 'offset', 'cursor', 'per_page', 'page_size', 'pageSize', 'sort', 'order', 'search'];
const MAX_NAME = 64;
const MAX_VALUE = 512;

export function makeView(entity: string, section: string, kind: ViewKind, id: string | undefined, query: Array<[string, string]>): View {
  query.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const key = JSON.stringify([entity, section, kind, id ?? null, query]);
  return id === undefined ? { entity, section, kind, query, key } : { entity, section, kind, id, query, key };
}

function scalar(name: string, v: unknown): string | undefined {
  if (v === null || v === undefined || v === '') return undefined; // an empty value removes the filter
  if (typeof v === 'string') {
    if (v.length > MAX_VALUE) throw invalid(`query parameter ${name} is longer than ${MAX_VALUE} characters`);
    return v;
  }
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return String(v);
  throw invalid(`query parameter ${name} must be a string, number or boolean`);
}

/**
 * The query of a request: its `query` object plus top-level pagination keys (`page`, `limit`, …).
 * Arrays repeat the parameter. Empty values drop it.
 */
export function readQuery(message: Record<string, unknown>, maxParams: number, exclude?: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const add = (name: string, v: unknown): void => {
    if (name.length === 0 || name.length > MAX_NAME) throw invalid(`query parameter names must be 1 to ${MAX_NAME} characters`);
    refuseCredentialName(name);
    const values = Array.isArray(v) ? v : [v];
    for (const one of values) {
      const s = scalar(name, one);
      if (s === undefined) continue;
      if (out.length >= maxParams) throw invalid(`at most ${maxParams} query parameters`);
      out.push([name, s]);
    }
  };
  const q = message.query;
  const seen = new Set<string>();
  if (q !== undefined && q !== null) {
    if (typeof q !== 'object' || Array.isArray(q)) throw invalid('query must be an object');
    for (const [name, v] of Object.entries(q as Record<string, unknown>)) {
      seen.add(name);
      if (name === exclude) continue;
      add(name, v);
    }
  }
  for (const name of TOP_LEVEL) {
    if (!seen.has(name) && Object.prototype.hasOwnProperty.call(message, name)) add(name, message[name]);
  }
  return out;
}

/** The entity id of a detail request: `entityId`, `data.id`, `query.id`, else the message `id`. */
export function readId(message: Record<string, unknown>): string | undefined {
  const data = message.data as Record<string, unknown> | undefined;
  const query = message.query as Record<string, unknown> | undefined;
  const candidates = [
    message.entityId,
    message.entity_id,
    data !== null && typeof data === 'object' ? data.id : undefined,
    query !== null && typeof query === 'object' ? query.id : undefined,
    message.id,
  ];
  for (const c of candidates) {
    if (typeof c === 'string' && c.length > 0) {
      if (c.length > 256) throw invalid('id is longer than 256 characters');
      return c;
    }
    if (typeof c === 'number' && Number.isFinite(c)) return String(c);
  }
  return undefined;
}
