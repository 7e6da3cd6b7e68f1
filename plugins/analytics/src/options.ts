/** Options of the analytics plugin: JSON schema (ajv fills defaults) and environment variables. */
import { KernelError, KernelErrors } from '@actorwire/core';
import { envBool, envDuration, envInt, envList, envPairs, envString, envUrl } from '@actorwire/config';

export interface AnalyticsOptions {
  /** Upstream REST service. Env REST_BASE_URL. */
  restBaseUrl: string;
  /** Upstream timeout (ms). Env REST_TIMEOUT. */
  restTimeout: number;
  /** Largest upstream body accepted (bytes). Env ANALYTICS_MAX_BODY. */
  maxBodyBytes: number;
  /** Dashboard entities served. Env ANALYTICS_ENTITIES (replaces the default list). */
  entities: string[];
  /** Extra entity aliases `alias → entity` (singulars are built in). Env ANALYTICS_ENTITY_ALIASES (`alias:entity,…`). */
  entityAliases: Record<string, string>;
  /** Extra scope aliases `alias → scope`. Env ANALYTICS_SCOPE_ALIASES (`alias:scope,…`). */
  scopeAliases: Record<string, string>;
  /** Upstream path per scope (`public`) or scope and entity (`admin/payments`); `{scope}`, `{entity}` and `{<query parameter>}` placeholders. Env ANALYTICS_PATHS (`key=template,…`). */
  paths: Record<string, string>;
  /** Roles that open admin dashboards (and any restaurant's). Env ANALYTICS_ADMIN_ROLES. */
  adminRoles: string[];
  /** Query parameter naming the restaurant of restaurant dashboards. Env ANALYTICS_RESTAURANT_PARAM. */
  restaurantParam: string;
  /** Claims that list the restaurants a token may see (string, number or array). Env ANALYTICS_RESTAURANT_CLAIMS. */
  restaurantClaims: string[];
  /** A policy (e.g. the rooms plugin's `rooms.seller`) asked when no claim matches; empty: claims only. Env ANALYTICS_RESTAURANT_POLICY. */
  restaurantPolicy: string;
  /** Forward the session's token to the upstream. Env ANALYTICS_FORWARD_TOKEN. */
  forwardToken: boolean;
  /** Token for Kafka-driven re-queries of dashboards whose sessions have none (public). Env ANALYTICS_SERVICE_TOKEN. */
  serviceToken?: string;
  /** `entity:topicA|topicB`: Kafka topics whose records are events about the entity. Env ANALYTICS_ENTITY_TOPICS (else WS_ENTITY_TOPICS). */
  entityTopics: string[];
  /** `entity:dashA|dashB`: dashboards an event about the entity affects, beyond the entity's own. Env ANALYTICS_AFFECTS. */
  affects: string[];
  /** Where a record's restaurant is read, first match wins: `header:<name>` or `value.<path>`. Env ANALYTICS_RESTAURANT_FIELDS. */
  restaurantFields: string[];
  /** How long a dashboard snapshot is fresh (ms); 0: no caching beyond the single flight. Env ANALYTICS_CACHE_TTL. */
  cacheTtl: number;
  /** Dashboards cached at most. Env ANALYTICS_CACHE_MAX. */
  cacheMaxEntries: number;
  /** Events within this window cause one re-query per dashboard (ms). Env ANALYTICS_REFRESH_WINDOW. */
  refreshWindow: number;
  /** Under a steady stream of events, re-query at least this often (ms). Env ANALYTICS_REFRESH_MAX_DELAY. */
  refreshMaxDelay: number;
  /** Query parameters a dashboard may carry. Env ANALYTICS_MAX_QUERY_PARAMS. */
  maxQueryParams: number;
}

/** The REST analytics entities of the Go services. */
export const DEFAULT_ENTITIES = [
  'users', 'dishes', 'menus', 'restaurants', 'sections', 'tables', 'images', 'objects',
  'subscriptions', 'subscription-plans', 'reservations', 'reviews', 'payments', 'auth',
];

/** Which dashboards an event about an entity touches, beyond the entity's own. */
export const DEFAULT_AFFECTS = [
  'tables:sections|restaurants',
  'sections:tables|restaurants',
  'reservations:tables|restaurants|users',
  'payments:subscriptions|restaurants',
  'subscriptions:subscription-plans|payments',
  'subscription-plans:subscriptions',
  'users:auth',
  'auth:users',
  'dishes:menus',
  'menus:dishes',
  'reviews:restaurants',
];

const NAME = '^[a-z][a-z0-9_-]{0,63}$';
const MAP_ENTRY = '^[^:|,\\s]+:[^:,\\s]+$';
const FIELD = '^(header:.+|value\\..+)$';

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['restBaseUrl'],
  properties: {
    restBaseUrl: { type: 'string', pattern: '^https?://' },
    restTimeout: { type: 'integer', minimum: 1, default: 5000 },
    maxBodyBytes: { type: 'integer', minimum: 1, default: 4 * 1024 * 1024 },
    entities: { type: 'array', minItems: 1, items: { type: 'string', pattern: NAME }, default: DEFAULT_ENTITIES },
    entityAliases: { type: 'object', additionalProperties: { type: 'string', pattern: NAME }, default: {} },
    scopeAliases: { type: 'object', additionalProperties: { type: 'string', enum: ['public', 'restaurant', 'admin'] }, default: {} },
    paths: { type: 'object', additionalProperties: { type: 'string', pattern: '^/' }, default: {} },
    adminRoles: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, default: ['admin'] },
    restaurantParam: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$', default: 'restaurantId' },
    restaurantClaims: { type: 'array', items: { type: 'string', minLength: 1 }, default: ['restaurant_id', 'restaurantId', 'restaurant_ids', 'restaurants'] },
    restaurantPolicy: { type: 'string', default: '' },
    forwardToken: { type: 'boolean', default: true },
    serviceToken: { type: 'string', minLength: 1 },
    entityTopics: { type: 'array', items: { type: 'string', pattern: MAP_ENTRY }, default: [] },
    affects: { type: 'array', items: { type: 'string', pattern: MAP_ENTRY }, default: DEFAULT_AFFECTS },
    restaurantFields: {
      type: 'array', items: { type: 'string', pattern: FIELD },
      default: ['header:ws-restaurant', 'value.restaurant_id', 'value.restaurantId'],
    },
    cacheTtl: { type: 'integer', minimum: 0, default: 10_000 },
    cacheMaxEntries: { type: 'integer', minimum: 1, default: 1000 },
    refreshWindow: { type: 'integer', minimum: 0, default: 250 },
    refreshMaxDelay: { type: 'integer', minimum: 0, default: 2000 },
    maxQueryParams: { type: 'integer', minimum: 0, maximum: 256, default: 32 },
  },
} as const;

function mapEntries(env: NodeJS.ProcessEnv, name: string): string[] | undefined {
  const list = envList(env, name);
  for (const e of list ?? []) {
    if (!new RegExp(MAP_ENTRY).test(e)) throw new KernelError(KernelErrors.CONFIG, `invalid ${name} entry ${JSON.stringify(e)}: expected entity:nameA|nameB`, name);
  }
  return list;
}

export function optionsFromEnv(env: NodeJS.ProcessEnv): Partial<AnalyticsOptions> {
  return {
    restBaseUrl: envUrl(env, 'REST_BASE_URL'),
    restTimeout: envDuration(env, 'REST_TIMEOUT', { min: 1 }),
    maxBodyBytes: envInt(env, 'ANALYTICS_MAX_BODY', { min: 1 }),
    entities: envList(env, 'ANALYTICS_ENTITIES')?.map((e) => e.toLowerCase()),
    entityAliases: envPairs(env, 'ANALYTICS_ENTITY_ALIASES', 'alias:entity,…'),
    scopeAliases: envPairs(env, 'ANALYTICS_SCOPE_ALIASES', 'alias:scope,…'),
    paths: envPairs(env, 'ANALYTICS_PATHS', 'scope[/entity]=/path,…', { sep: '=', keepCase: true }),
    adminRoles: envList(env, 'ANALYTICS_ADMIN_ROLES'),
    restaurantParam: envString(env, 'ANALYTICS_RESTAURANT_PARAM'),
    restaurantClaims: envList(env, 'ANALYTICS_RESTAURANT_CLAIMS'),
    restaurantPolicy: envString(env, 'ANALYTICS_RESTAURANT_POLICY'),
    forwardToken: envBool(env, 'ANALYTICS_FORWARD_TOKEN'),
    serviceToken: envString(env, 'ANALYTICS_SERVICE_TOKEN'),
    entityTopics: mapEntries(env, 'ANALYTICS_ENTITY_TOPICS') ?? mapEntries(env, 'WS_ENTITY_TOPICS'),
    affects: mapEntries(env, 'ANALYTICS_AFFECTS'),
    restaurantFields: envList(env, 'ANALYTICS_RESTAURANT_FIELDS'),
    cacheTtl: envDuration(env, 'ANALYTICS_CACHE_TTL', { min: 0 }),
    cacheMaxEntries: envInt(env, 'ANALYTICS_CACHE_MAX', { min: 1 }),
    refreshWindow: envDuration(env, 'ANALYTICS_REFRESH_WINDOW', { min: 0 }),
    refreshMaxDelay: envDuration(env, 'ANALYTICS_REFRESH_MAX_DELAY', { min: 0 }),
    maxQueryParams: envInt(env, 'ANALYTICS_MAX_QUERY_PARAMS', { min: 0, max: 256 }),
  };
}

/** `entity:a|b` entries → name → entities (each entry adds; names and entities lower-cased). */
export function multiMap(entries: readonly string[], flip: boolean): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (k: string, v: string) => {
    let set = out.get(k);
    if (set === undefined) out.set(k, (set = new Set()));
    set.add(v);
  };
  for (const e of entries) {
    const i = e.indexOf(':');
    const head = e.slice(0, i).toLowerCase();
    for (const item of e.slice(i + 1).split('|')) {
      if (!item) continue;
      if (flip) add(item, head);
      else add(head, item.toLowerCase());
    }
  }
  return out;
}
