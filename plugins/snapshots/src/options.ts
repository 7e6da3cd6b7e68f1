/** Options of the snapshots plugin: JSON schema (ajv fills defaults) and environment variables. */
import { KernelError, KernelErrors } from '@actorwire/core';
import { envBool, envDuration, envInt, envList, envPairs, envString, envUrl } from '@actorwire/config';

export interface EntityPaths {
  /** Path of a list view (placeholders `{entity}`, `{section}`). */
  list?: string;
  /** Path of a detail view (placeholders `{entity}`, `{section}`, `{id}`). */
  detail?: string;
}

export interface SnapshotsOptions {
  /** Upstream REST service. Env REST_BASE_URL. */
  restBaseUrl: string;
  /** Upstream timeout (ms). Env REST_TIMEOUT (`5s`, `500ms`, …). */
  restTimeout: number;
  /** Largest upstream body accepted (bytes); larger answers are UPSTREAM_ERROR. Env SNAPSHOTS_MAX_BODY. */
  maxBodyBytes: number;
  /** Entity of `/ws/section/:id`. Env WS_DEFAULT_ENTITY. */
  defaultEntity: string;
  /** Entities served; a route naming another answers 404. Env SNAPSHOTS_ENTITIES (replaces the default list). */
  entities: string[];
  /** Extra entity name aliases, `alias → entity` (singulars of every entity are built in). Env SNAPSHOTS_ENTITY_ALIASES (`alias:entity,…`). */
  aliases: Record<string, string>;
  /** Extra actions whose `{entity}.{action}` topics every session joins. Env WS_ALLOWED_ACTIONS. */
  allowedActions: string[];
  /**
   * Actions whose answer every session of the section receives (published on the section's
   * `{entity}.{action}` topic, on every instance), not only the asker. Env WS_OBSERVABLE_ACTIONS.
   */
  observableActions: string[];
  /** `entity:topicA|topicB` entries: Kafka topics whose records refresh the entity's snapshots. Env WS_ENTITY_TOPICS. */
  entityTopics: string[];
  /** Where a record's section is read, first match wins: `header:<name>` or `value.<path>`. Env SNAPSHOTS_SECTION_FIELDS. */
  sectionFields: string[];
  /** Where a record's entity id is read (refreshes the detail views of that id). Env SNAPSHOTS_ID_FIELDS. */
  idFields: string[];
  /** Default list path. Env SNAPSHOTS_LIST_PATH. */
  listPath: string;
  /** Default detail path. Env SNAPSHOTS_DETAIL_PATH. */
  detailPath: string;
  /** Per-entity paths (config file). */
  paths: Record<string, EntityPaths>;
  /** Accept sessions without a token at the upgrade, to authenticate by an `auth` message (else 401 before the upgrade). Env SNAPSHOTS_LATE_AUTH. */
  lateAuth: boolean;
  /** Forward the session's token to the upstream as `Authorization: Bearer`. Env SNAPSHOTS_FORWARD_TOKEN. */
  forwardToken: boolean;
  /** Token for refreshes nobody asked for (Kafka-driven), when the last requester's is unknown. Env SNAPSHOTS_SERVICE_TOKEN. */
  serviceToken?: string;
  /** How long a cached snapshot is fresh (ms); 0 disables caching. Env SNAPSHOTS_CACHE_TTL. */
  cacheTtl: number;
  /** Cached views kept at most (least recently used go first). Env SNAPSHOTS_CACHE_MAX. */
  cacheMaxEntries: number;
  /** Serve an expired entry (flagged `stale`) while it is refreshed. Env SNAPSHOTS_STALE_WHILE_REVALIDATE. */
  staleWhileRevalidate: boolean;
  /** Records about a view within this window cause one refresh (ms). Env SNAPSHOTS_REFRESH_WINDOW. */
  refreshWindow: number;
  /** Under a steady stream of records, refresh at least this often (ms). Env SNAPSHOTS_REFRESH_MAX_DELAY. */
  refreshMaxDelay: number;
  /** Views one session keeps receiving refreshes for (oldest dropped first). Env SNAPSHOTS_MAX_VIEWS. */
  maxViewsPerSession: number;
  /**
   * Every session of a section receives the section's default view (its list with
   * `passiveQuery`) whenever a change touches the section, whether or not it asked for a view.
   * Env SNAPSHOTS_PASSIVE.
   */
  passive: boolean;
  /** The default view's query (`page=1&limit=20`; empty: none). Env SNAPSHOTS_PASSIVE_QUERY. */
  passiveQuery: string;
  /** Serve POST /api/snapshots/changes. Env SNAPSHOTS_CHANGES_API. */
  changesApi: boolean;
  /** Roles whose token may post changes. Env SNAPSHOTS_CHANGES_ROLES. */
  changesRoles: string[];
  /** Largest body of a changes request (bytes). */
  changesMaxBody: number;
  /** Query parameters a request may carry. Env SNAPSHOTS_MAX_QUERY_PARAMS. */
  maxQueryParams: number;
}

/** The Go services' REST entities. */
export const DEFAULT_ENTITIES = [
  'restaurants', 'sections', 'tables', 'menus', 'dishes', 'users', 'images', 'objects',
  'subscriptions', 'subscription-plans', 'reservations', 'reviews', 'payments', 'orders',
];

const NAME = '^[a-z][a-z0-9_-]{0,63}$';

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['restBaseUrl'],
  properties: {
    restBaseUrl: { type: 'string', pattern: '^https?://' },
    restTimeout: { type: 'integer', minimum: 1, default: 5000 },
    maxBodyBytes: { type: 'integer', minimum: 1, default: 4 * 1024 * 1024 },
    defaultEntity: { type: 'string', pattern: NAME, default: 'restaurants' },
    entities: { type: 'array', minItems: 1, items: { type: 'string', pattern: NAME }, default: DEFAULT_ENTITIES },
    aliases: { type: 'object', additionalProperties: { type: 'string', pattern: NAME }, default: {} },
    allowedActions: { type: 'array', items: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,63}$' }, default: [] },
    observableActions: { type: 'array', items: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,63}$' }, default: [] },
    entityTopics: { type: 'array', items: { type: 'string', pattern: '^[^:|,\\s]+:[^:,\\s]+$' }, default: [] },
    sectionFields: {
      type: 'array', minItems: 1, items: { type: 'string', pattern: '^(header:.+|value\\..+)$' },
      default: ['header:ws-section', 'value.section_id', 'value.sectionId', 'value.section'],
    },
    idFields: { type: 'array', items: { type: 'string', pattern: '^(header:.+|value\\..+)$' }, default: ['header:ws-id', 'value.id'] },
    listPath: { type: 'string', pattern: '^/', default: '/{entity}?section={section}' },
    detailPath: { type: 'string', pattern: '^/', default: '/{entity}/{id}' },
    paths: {
      type: 'object',
      additionalProperties: {
        type: 'object', additionalProperties: false,
        properties: { list: { type: 'string', pattern: '^/' }, detail: { type: 'string', pattern: '^/' } },
      },
      default: {},
    },
    lateAuth: { type: 'boolean', default: false },
    forwardToken: { type: 'boolean', default: true },
    serviceToken: { type: 'string', minLength: 1 },
    cacheTtl: { type: 'integer', minimum: 0, default: 30_000 },
    cacheMaxEntries: { type: 'integer', minimum: 1, default: 1000 },
    staleWhileRevalidate: { type: 'boolean', default: false },
    refreshWindow: { type: 'integer', minimum: 0, default: 100 },
    refreshMaxDelay: { type: 'integer', minimum: 0, default: 1000 },
    maxViewsPerSession: { type: 'integer', minimum: 1, maximum: 1000, default: 16 },
    maxQueryParams: { type: 'integer', minimum: 0, maximum: 256, default: 32 },
    passive: { type: 'boolean', default: true },
    passiveQuery: { type: 'string', maxLength: 2048, default: '' },
    changesApi: { type: 'boolean', default: true },
    changesRoles: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, default: ['admin', 'service'] },
    changesMaxBody: { type: 'integer', minimum: 1, default: 256 * 1024 },
  },
} as const;

export function optionsFromEnv(env: NodeJS.ProcessEnv): Partial<SnapshotsOptions> {
  const entityTopics = envList(env, 'WS_ENTITY_TOPICS');
  for (const e of entityTopics ?? []) {
    if (!/^[^:|,\s]+:[^:,\s]+$/.test(e)) throw new KernelError(KernelErrors.CONFIG, `invalid WS_ENTITY_TOPICS entry ${JSON.stringify(e)}: expected entity:topicA|topicB`, 'WS_ENTITY_TOPICS');
  }
  return {
    restBaseUrl: envUrl(env, 'REST_BASE_URL'),
    restTimeout: envDuration(env, 'REST_TIMEOUT', { min: 1 }),
    maxBodyBytes: envInt(env, 'SNAPSHOTS_MAX_BODY', { min: 1 }),
    defaultEntity: envString(env, 'WS_DEFAULT_ENTITY')?.toLowerCase(),
    entities: envList(env, 'SNAPSHOTS_ENTITIES')?.map((e) => e.toLowerCase()),
    aliases: envPairs(env, 'SNAPSHOTS_ENTITY_ALIASES', 'alias:entity,…'),
    allowedActions: envList(env, 'WS_ALLOWED_ACTIONS')?.map((a) => a.toLowerCase()),
    observableActions: envList(env, 'WS_OBSERVABLE_ACTIONS')?.map((a) => a.toLowerCase()),
    entityTopics,
    sectionFields: envList(env, 'SNAPSHOTS_SECTION_FIELDS'),
    idFields: envList(env, 'SNAPSHOTS_ID_FIELDS'),
    listPath: envString(env, 'SNAPSHOTS_LIST_PATH'),
    detailPath: envString(env, 'SNAPSHOTS_DETAIL_PATH'),
    lateAuth: envBool(env, 'SNAPSHOTS_LATE_AUTH'),
    forwardToken: envBool(env, 'SNAPSHOTS_FORWARD_TOKEN'),
    serviceToken: envString(env, 'SNAPSHOTS_SERVICE_TOKEN'),
    cacheTtl: envDuration(env, 'SNAPSHOTS_CACHE_TTL', { min: 0 }),
    cacheMaxEntries: envInt(env, 'SNAPSHOTS_CACHE_MAX', { min: 1 }),
    staleWhileRevalidate: envBool(env, 'SNAPSHOTS_STALE_WHILE_REVALIDATE'),
    refreshWindow: envDuration(env, 'SNAPSHOTS_REFRESH_WINDOW', { min: 0 }),
    refreshMaxDelay: envDuration(env, 'SNAPSHOTS_REFRESH_MAX_DELAY', { min: 0 }),
    maxViewsPerSession: envInt(env, 'SNAPSHOTS_MAX_VIEWS', { min: 1, max: 1000 }),
    maxQueryParams: envInt(env, 'SNAPSHOTS_MAX_QUERY_PARAMS', { min: 0, max: 256 }),
    passive: envBool(env, 'SNAPSHOTS_PASSIVE'),
    passiveQuery: envString(env, 'SNAPSHOTS_PASSIVE_QUERY'),
    changesApi: envBool(env, 'SNAPSHOTS_CHANGES_API'),
    changesRoles: envList(env, 'SNAPSHOTS_CHANGES_ROLES'),
  };
}

/** `entity:topicA|topicB` entries → topic → entity. */
export function entityOfTopics(entries: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of entries) {
    const i = e.indexOf(':');
    const entity = e.slice(0, i).toLowerCase();
    for (const topic of e.slice(i + 1).split('|')) if (topic) out.set(topic, entity);
  }
  return out;
}
