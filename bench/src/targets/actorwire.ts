/**
 * Actorwire target: the real entry point with the default plugins (auth with HS256 per
 * connection, rooms, dialects; plus snapshots for the snapshots scenario) and the in-memory bus. Limits are lifted so the benchmark measures
 * cost rather than policy. Adjust here when the kernel's entry point or env changes.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths.js';
import type { TargetDef } from './types.js';

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
    },
  }),
  ready: { kind: 'http', path: '/health' },
  startTimeoutMs: 30_000,
  url: (port) => `ws://127.0.0.1:${port}/ws`,
};
