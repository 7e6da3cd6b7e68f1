/** Options of the redis-pubsub plugin: JSON schema (ajv fills defaults) and the environment variables. */
import { KernelError, KernelErrors } from '@actorwire/core';
import { envBool, envDuration, envEnum, envInt, envSize, envList, envString, envUrl } from '@actorwire/config';

export type SubscribeMode = 'topics' | 'pattern';

export interface RedisPubSubOptions {
  /** `redis://[:password@]host:port[/db]` or `rediss://` (TLS). Env REDIS_URL. */
  url?: string;
  /** `host:port` (realtime-service dialect style), with `password`. Env REDIS_ADDR / REDIS_PASSWORD. */
  addr?: string;
  password?: string;
  /** Redis Cluster seed nodes (`host:port`, …): enables cluster mode with sharded pub/sub. Env REDIS_CLUSTER_NODES. */
  clusterNodes: string[];
  /**
   * Redis Sentinel (`host:port`, …): the master of `sentinelName` is asked of these, and followed
   * through a failover, for every connection (pub/sub, presence, history). Env REDIS_SENTINELS.
   */
  sentinels: string[];
  /** The master's name in Sentinel. Env REDIS_SENTINEL_NAME. */
  sentinelName: string;
  /** The sentinels' own password, when they want one. Env REDIS_SENTINEL_PASSWORD. */
  sentinelPassword?: string;
  /** TLS even for a `redis://` URL or `addr`. Env REDIS_TLS. */
  tls: boolean;
  /** Prefix of every channel and key. Env REDIS_KEY_PREFIX. */
  keyPrefix: string;
  /**
   * `topics`: subscribe only to channels with local subscribers (default). `pattern`: one
   * PSUBSCRIBE `{prefix}room:*` etc. — every instance receives all traffic (small deployments,
   * the realtime service). Not available in cluster mode. Env REDIS_SUBSCRIBE_MODE.
   */
  mode: SubscribeMode;
  /** Presence heartbeat: each instance refreshes its entries this often (ms). Env REDIS_PRESENCE_HEARTBEAT. */
  presenceHeartbeat: number;
  /** Entries of an instance that stopped heartbeating expire after this long (ms). Env REDIS_PRESENCE_TTL. */
  presenceTtl: number;
  /** Reconnect backoff: first delay and cap (ms), full jitter. Env REDIS_RETRY_BASE / REDIS_RETRY_MAX. */
  retryBase: number;
  retryMax: number;
  /** Connection timeout (ms). Env REDIS_CONNECT_TIMEOUT. */
  connectTimeout: number;
  /** Publishes awaiting Redis at most (a stalled Redis drops the rest, counted). Env REDIS_MAX_PENDING_MESSAGES. */
  maxPendingMessages: number;
  /** Bytes of publishes awaiting Redis at most. Env REDIS_MAX_PENDING_BYTES. */
  maxPendingBytes: number;
  /** Largest message taken from Redis (bytes); larger ones are refused and counted. Env REDIS_MAX_MESSAGE_SIZE. */
  maxMessageSize: number;
  /**
   * The Go services' channels and plain JSON payloads instead of the native envelope, so other
   * services (and Go instances) can publish and subscribe. Env REDIS_INTEROP.
   */
  interop: boolean;
  /** Interop: the API gateway's event channels (`events:<type>` ↔ room `<type>`). Env REDIS_INTEROP_EVENTS_PREFIX. */
  interopEventsPrefix: string;
  /** Interop: user channels (`notifications:<user_id>`). Env REDIS_INTEROP_USER_PREFIX. */
  interopUserPrefix: string;
  /** Interop: the broadcast channel. Env REDIS_INTEROP_BROADCAST_CHANNEL. */
  interopBroadcastChannel: string;
  /**
   * Interop: how a room's `message` frames go out on `{prefix}room:<room>` — `frame` (the
   * frame as Actorwire clients get it) or `envelope` (the realtime service's `{from, room, ts,
   * body}`, what its instances read there). Env REDIS_INTEROP_ROOM_FORMAT.
   */
  interopRoomFormat: 'frame' | 'envelope';
  /**
   * Interop: a room's `message` frames also go out on the gateway's `events:<room>` channel, as
   * the gateway's `event` frame. Env REDIS_INTEROP_EVENTS.
   */
  interopEvents: boolean;
  /**
   * History in Redis Streams (rooms given history, e.g. by @actorwire/plugin-history): how long a
   * room's epoch and last offset outlive its last publish (ms; at least every room's `ttl`). After
   * it the room starts a new epoch, so clients away longer are told `recovered: false`. Env HISTORY_META_TTL.
   */
  historyMetaTtl: number;
  /** History: characters of appends awaiting Redis at most; beyond, publishes to history rooms answer UNAVAILABLE. Env HISTORY_MAX_PENDING_BYTES. */
  historyMaxPendingBytes: number;
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    url: { type: 'string', pattern: '^rediss?://' },
    addr: { type: 'string', pattern: '^[^:/\\s]+:\\d{1,5}$' },
    password: { type: 'string' },
    clusterNodes: { type: 'array', items: { type: 'string', pattern: '^[^:/\\s]+:\\d{1,5}$' }, default: [] },
    sentinels: { type: 'array', items: { type: 'string', pattern: '^[^:/\\s]+:\\d{1,5}$' }, default: [] },
    sentinelName: { type: 'string', minLength: 1, default: 'mymaster' },
    sentinelPassword: { type: 'string' },
    tls: { type: 'boolean', default: false },
    keyPrefix: { type: 'string', default: 'ws:' },
    mode: { enum: ['topics', 'pattern'], default: 'topics' },
    presenceHeartbeat: { type: 'integer', minimum: 100, default: 2000 },
    presenceTtl: { type: 'integer', minimum: 300, default: 6000 },
    retryBase: { type: 'integer', minimum: 10, default: 100 },
    retryMax: { type: 'integer', minimum: 10, default: 10_000 },
    connectTimeout: { type: 'integer', minimum: 100, default: 5000 },
    maxPendingMessages: { type: 'integer', minimum: 1, default: 50_000 },
    maxPendingBytes: { type: 'integer', minimum: 1024, default: 4 * 1024 * 1024 },
    maxMessageSize: { type: 'integer', minimum: 1024, default: 2 * 1024 * 1024 },
    interop: { type: 'boolean', default: false },
    interopEventsPrefix: { type: 'string', minLength: 1, default: 'events:' },
    interopUserPrefix: { type: 'string', minLength: 1, default: 'notifications:' },
    interopBroadcastChannel: { type: 'string', minLength: 1, default: 'system:broadcast' },
    interopRoomFormat: { type: 'string', enum: ['frame', 'envelope'], default: 'frame' },
    interopEvents: { type: 'boolean', default: false },
    historyMetaTtl: { type: 'integer', minimum: 1000, default: 30 * 24 * 3600 * 1000 },
    historyMaxPendingBytes: { type: 'integer', minimum: 1024, default: 1024 * 1024 },
  },
} as const;

export function optionsFromEnv(env: NodeJS.ProcessEnv): Partial<RedisPubSubOptions> {
  const addr = envString(env, 'REDIS_ADDR');
  if (addr !== undefined && !/^[^:/\s]+:\d{1,5}$/.test(addr)) {
    throw new KernelError(KernelErrors.CONFIG, `invalid REDIS_ADDR=${JSON.stringify(addr)}: expected host:port`, 'REDIS_ADDR');
  }
  const url = envUrl(env, 'REDIS_URL');
  if (url !== undefined && !/^rediss?:\/\//.test(url)) {
    throw new KernelError(KernelErrors.CONFIG, `invalid REDIS_URL: expected redis://… or rediss://…`, 'REDIS_URL');
  }
  return {
    url,
    addr,
    password: envString(env, 'REDIS_PASSWORD'),
    clusterNodes: envList(env, 'REDIS_CLUSTER_NODES'),
    sentinels: envList(env, 'REDIS_SENTINELS'),
    sentinelName: envString(env, 'REDIS_SENTINEL_NAME'),
    sentinelPassword: envString(env, 'REDIS_SENTINEL_PASSWORD'),
    tls: envBool(env, 'REDIS_TLS'),
    keyPrefix: envString(env, 'REDIS_KEY_PREFIX'),
    mode: envEnum(env, 'REDIS_SUBSCRIBE_MODE', ['topics', 'pattern'] as const),
    presenceHeartbeat: envDuration(env, 'REDIS_PRESENCE_HEARTBEAT', { min: 100 }),
    presenceTtl: envDuration(env, 'REDIS_PRESENCE_TTL', { min: 300 }),
    retryBase: envDuration(env, 'REDIS_RETRY_BASE', { min: 10 }),
    retryMax: envDuration(env, 'REDIS_RETRY_MAX', { min: 10 }),
    connectTimeout: envDuration(env, 'REDIS_CONNECT_TIMEOUT', { min: 100 }),
    maxPendingMessages: envInt(env, 'REDIS_MAX_PENDING_MESSAGES', { min: 1 }),
    maxPendingBytes: envSize(env, 'REDIS_MAX_PENDING_BYTES', { min: 1024 }),
    maxMessageSize: envSize(env, 'REDIS_MAX_MESSAGE_SIZE', { min: 1024 }),
    interop: envBool(env, 'REDIS_INTEROP'),
    interopEventsPrefix: envString(env, 'REDIS_INTEROP_EVENTS_PREFIX'),
    interopUserPrefix: envString(env, 'REDIS_INTEROP_USER_PREFIX'),
    interopBroadcastChannel: envString(env, 'REDIS_INTEROP_BROADCAST_CHANNEL'),
    interopRoomFormat: envEnum(env, 'REDIS_INTEROP_ROOM_FORMAT', ['frame', 'envelope'] as const),
    interopEvents: envBool(env, 'REDIS_INTEROP_EVENTS'),
    historyMetaTtl: envDuration(env, 'HISTORY_META_TTL', { min: 1000 }),
    historyMaxPendingBytes: envSize(env, 'HISTORY_MAX_PENDING_BYTES', { min: 1024 }),
  };
}
