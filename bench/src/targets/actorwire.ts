/**
 * Actorwire target: the real entry point with the default plugins (auth with HS256 per
 * connection, rooms, dialects; plus snapshots for the snapshots scenario) and the in-memory bus. Limits are lifted so the benchmark measures
 * cost rather than policy. Adjust here when the kernel's entry point or env changes.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths.js';
import type { TargetDef } from './types.js';

/** This run's Redis keys: history scenarios use their own prefix (they expire, HISTORY_META_TTL). */
const RUN_ID = randomBytes(4).toString('hex');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The compiled server, as `npm start` runs it (built by `npm install` / `npm run build`). */
const ENTRY = 'server/dist/bin.js';
/** The Node flags of `npm start` (root package.json), so the figures are those of the product as shipped. */
const NODE_FLAGS = ['--max-semi-space-size=8'];

export const actorwire: TargetDef = {
  name: 'actorwire',
  description: 'Actorwire, plugins auth+rooms+dialects (npm start\'s), in-memory bus, HS256 token verified per connection',
  client: 'ws',
  authenticates: true,
  unavailable: () => (existsSync(join(REPO_ROOT, ENTRY)) ? null : `entry point ${ENTRY} not found (run npm run build)`),
  launch: ({ port, jwtSecret, scenario, upstreamUrl }) => ({
    args: [...NODE_FLAGS, ENTRY],
    cwd: REPO_ROOT,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: jwtSecret,
      ACTORWIRE_PLUGINS: 'auth,rooms,dialects',
      LOG_LEVEL: 'warn',
      WEBSOCKET_LIMITS_MAX_CONNECTIONS: '0', // 0 = unlimited
      WEBSOCKET_LIMITS_MAX_CONNECTIONS_PER_ROOM: '0',
      WEBSOCKET_MAX_MESSAGE_SIZE: '65536',
      ACTORWIRE_RATE_LIMIT: '0', // no per-connection inbound rate limit
      NODE_ENV: 'production',
      // The connect scenario's last batch carries no token: anonymous sessions allowed, tokens still verified.
      ...(scenario === 'connect' ? { ACTORWIRE_DEFAULT_AUTH: 'optional' } : {}),
      // Only the snapshots scenario loads the snapshots plugin: its hooks would change every other figure.
      ...(scenario === 'snapshots'
        ? { ACTORWIRE_PLUGINS: 'auth,rooms,dialects,snapshots', REST_BASE_URL: upstreamUrl, SNAPSHOTS_CACHE_TTL: '10m', SNAPSHOTS_CHANGES_ROLES: 'service' }
        : {}),
      ...(scenario === 'fanout-compact-rooms' ? { ACTORWIRE_DIALECT: 'compact-rooms', ACTORWIRE_COMPACT_ROOMS: 'fanout' } : {}),
      // History scenarios: the fan-out room keeps history (memory, or Redis); recovery's rooms in Redis.
      // The key prefix is the session's (its port), the same across the recovery scenario's restart.
      ...(scenario === 'fanout-history' ? { ACTORWIRE_PLUGINS: 'auth,rooms,dialects,history', HISTORY_ROOMS: 'fanout=1000', HISTORY_STORAGE: 'memory' } : {}),
      // Across instances: both on Redis with one key prefix per run and scenario, so they share channels.
      ...(scenario === 'cross-instance' || scenario === 'cross-instance-history'
        ? {
          ACTORWIRE_PLUGINS: scenario === 'cross-instance' ? 'auth,rooms,dialects,redis-pubsub' : 'auth,rooms,dialects,redis-pubsub,history',
          REDIS_URL,
          REDIS_KEY_PREFIX: `bench-${RUN_ID}-${scenario}:`,
          ...(scenario === 'cross-instance-history' ? { HISTORY_ROOMS: 'fanout=1000', HISTORY_STORAGE: 'redis', HISTORY_META_TTL: '10m' } : {}),
        }
        : {}),
      ...(scenario === 'fanout-history-redis' || scenario === 'recovery'
        ? {
          ACTORWIRE_PLUGINS: 'auth,rooms,dialects,redis-pubsub,history',
          REDIS_URL,
          REDIS_KEY_PREFIX: `bench-${RUN_ID}-${port}:`,
          HISTORY_ROOMS: scenario === 'recovery' ? 'hist-*=1000' : 'fanout=1000',
          HISTORY_STORAGE: 'redis',
          HISTORY_META_TTL: '10m',
        }
        : {}),
    },
  }),
  ready: { kind: 'http', path: '/health' },
  startTimeoutMs: 30_000,
  url: (port) => `ws://127.0.0.1:${port}/ws`,
};
