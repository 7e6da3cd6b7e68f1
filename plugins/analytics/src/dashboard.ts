/**
 * A dashboard: scope, entity and query — what one analytics snapshot is of. Its `key` names its
 * cache entry and its sessions: sessions with the same scope, entity and query (in any order)
 * share one upstream call. Its upstream URL comes from a path template per scope (or scope and
 * entity) whose `{placeholders}` are filled from the query; the parameters a template consumes
 * are not repeated in the query string.
 */
import { SnapshotError, invalid, pathSegment, refuseCredentialName } from '@actorwire/plugin-snapshots/upstream';

export const SCOPES = ['public', 'restaurant', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Built-in scope aliases (configuration adds more). */
const SCOPE_ALIASES: Readonly<Record<string, Scope>> = {
  public: 'public', publico: 'public', open: 'public', anonymous: 'public',
  restaurant: 'restaurant', restaurants: 'restaurant', rest: 'restaurant', owner: 'restaurant', owners: 'restaurant',
  admin: 'admin', admins: 'admin', auth: 'admin', administrator: 'admin', administrators: 'admin',
};

export class ScopeTable {
  private readonly byName = new Map<string, Scope>(Object.entries(SCOPE_ALIASES));

  constructor(extra: Readonly<Record<string, string>>) {
    for (const [alias, scope] of Object.entries(extra)) {
      if (!(SCOPES as readonly string[]).includes(scope)) throw new Error(`analytics scope alias "${alias}" names "${scope}", not one of ${SCOPES.join(', ')}`);
      this.byName.set(alias.toLowerCase(), scope as Scope);
    }
  }

  normalize(name: string): Scope | undefined {
    return this.byName.get(name.trim().toLowerCase());
  }
}

/** Default upstream paths per scope. */
export const DEFAULT_PATHS: Readonly<Record<Scope, string>> = {
  public: '/analytics/public/{entity}',
  restaurant: '/analytics/restaurants/{restaurantId}/{entity}',
  admin: '/analytics/admin/{entity}',
};

export type Query = ReadonlyArray<readonly [string, string]>;

export interface Dashboard {
  readonly scope: Scope;
  readonly entity: string;
  /** Sorted by name; one value per name. */
  readonly query: Query;
  readonly key: string;
}

export function makeDashboard(scope: Scope, entity: string, query: Map<string, string>): Dashboard {
  const sorted = [...query].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { scope, entity, query: sorted, key: JSON.stringify([scope, entity, sorted]) };
}

/** The dashboard's value of a query parameter. */
export function param(d: Dashboard, name: string): string | undefined {
  for (const [n, v] of d.query) if (n === name) return v;
  return undefined;
}

const MAX_NAME = 64;
const MAX_VALUE = 512;
const NAME = /^[A-Za-z_][A-Za-z0-9_.\-[\]]*$/;

/** Check one query parameter; an empty value means "no filter" (the caller drops it). */
export function checkParam(name: string, value: string): void {
  if (name.length === 0 || name.length > MAX_NAME || !NAME.test(name)) throw invalid(`query parameter name ${JSON.stringify(name.slice(0, MAX_NAME))}: 1 to ${MAX_NAME} letters, digits, _ . - [ ]`);
  refuseCredentialName(name);
  if (value.length > MAX_VALUE) throw invalid(`query parameter ${name} is longer than ${MAX_VALUE} characters`);
}

/**
 * Merge `changes` into `base`: a string, number or boolean sets the filter, an empty string or
 * null removes it. Returns a new map; throws INVALID_MESSAGE for anything else.
 */
export function mergeQuery(base: ReadonlyMap<string, string>, changes: unknown, maxParams: number): Map<string, string> {
  if (changes === null || typeof changes !== 'object' || Array.isArray(changes)) throw invalid('query must be an object');
  const out = new Map(base);
  for (const [name, v] of Object.entries(changes as Record<string, unknown>)) {
    if (v === null || v === undefined || v === '') {
      out.delete(name);
      continue;
    }
    let s: string;
    if (typeof v === 'string') s = v;
    else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') s = String(v);
    else throw invalid(`query parameter ${name} must be a string, number or boolean`);
    checkParam(name, s);
    out.set(name, s);
  }
  if (out.size > maxParams) throw invalid(`at most ${maxParams} query parameters`);
  return out;
}

export class Paths {
  private readonly base: string;

  constructor(restBaseUrl: string, private readonly overrides: Readonly<Record<string, string>>) {
    this.base = restBaseUrl.replace(/\/+$/, '');
    for (const key of Object.keys(overrides)) {
      const [scope] = key.split('/');
      if (!(SCOPES as readonly string[]).includes(scope!)) throw new Error(`analytics path "${key}": the key is scope or scope/entity, with scope one of ${SCOPES.join(', ')}`);
    }
  }

  template(scope: Scope, entity: string): string {
    return this.overrides[`${scope}/${entity}`] ?? this.overrides[scope] ?? DEFAULT_PATHS[scope];
  }

  /** Query parameters the dashboard's path needs (`{restaurantId}` …). */
  required(scope: Scope, entity: string): string[] {
    const out: string[] = [];
    for (const m of this.template(scope, entity).matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
      if (m[1] !== 'scope' && m[1] !== 'entity') out.push(m[1]!);
    }
    return out;
  }

  /** Refuse (INVALID_MESSAGE) a query whose path parameters could not be used in the URL. */
  checkPath(scope: Scope, entity: string, query: ReadonlyMap<string, string>): void {
    for (const name of this.required(scope, entity)) {
      const v = query.get(name);
      if (v !== undefined) pathSegment(name, v);
    }
  }

  /** The upstream URL; a missing path parameter is INVALID_MESSAGE. */
  url(d: Dashboard): string {
    const used = new Set<string>();
    const path = this.template(d.scope, d.entity).replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      if (name === 'scope') return d.scope;
      if (name === 'entity') return d.entity;
      const v = param(d, name);
      if (v === undefined) throw new SnapshotError('INVALID_MESSAGE', `${d.scope} ${d.entity} analytics need the query parameter ${name}`);
      used.add(name);
      return pathSegment(name, v);
    });
    const url = new URL(this.base + path);
    for (const [name, value] of d.query) if (!used.has(name)) url.searchParams.append(name, value);
    return url.toString();
  }
}
