/** Test support: Actorwire instances sharing a Redis (REDIS_URL), with the history plugin; JWTs; frames. */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import type { PluginEntry } from '@actorwire/core';
import { startTestServer, until, type TestClient, type TestServer } from '@actorwire/testing';
import authPlugin from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import redisPubSub, { type RedisPubSubOptions } from '@actorwire/plugin-redis-pubsub';
import history, { type HistoryOptions } from '../src/index.js';

export { until };
export const SECRET = 'history-plugin-tests-secret-0123456789-abcdef';
/** The Redis `npm test` provisions (REDIS_URL), else the machine's. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export const jwt = (claims: Record<string, unknown>): Promise<string> =>
  new SignJWT({ exp: Math.floor(Date.now() / 1000) + 600, ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));

/** A key prefix of its own per test, so tests sharing a Redis never see each other. */
export const uniquePrefix = (): string => `h${randomBytes(4).toString('hex')}:`;

export const RULES: HistoryOptions['rooms'] = [{ pattern: 'chat-*', size: 100, ttl: 0 }, { pattern: 'small-*', size: 20, ttl: 0 }, { pattern: 'order-{id}', size: 50, ttl: 0 }, { pattern: 'seam-*', size: 10_000, ttl: 0 }];

export function instance(redis: Partial<RedisPubSubOptions>, opts: Partial<HistoryOptions> = {}, extra: PluginEntry[] = []): Promise<TestServer> {
  return startTestServer({
    // Tests publish hundreds of messages at once.
    config: { websocket: { rateLimit: { messagesPerSecond: 0 } } },
    plugins: [
      [authPlugin, { secret: SECRET }],
      [rooms, {}],
      [redisPubSub, { retryBase: 50, retryMax: 300, presenceHeartbeat: 500, presenceTtl: 5000, connectTimeout: 1000, ...redis }],
      [history, { rooms: RULES, ...opts }],
      ...extra,
    ],
  });
}

export async function user(srv: TestServer, sub: string, role?: string): Promise<TestClient> {
  return srv.connect(`/ws?token=${await jwt({ sub, ...(role ? { role } : {}) })}`);
}

/** Instances on REDIS_URL sharing a fresh key prefix, stopped at teardown, once Redis is up for each. */
async function started(t: Teardown, n: number, opts: Partial<HistoryOptions>): Promise<{ servers: TestServer[]; keyPrefix: string }> {
  const keyPrefix = uniquePrefix();
  const servers: TestServer[] = [];
  for (let i = 0; i < n; i++) servers.push(await instance({ url: REDIS_URL, keyPrefix }, opts));
  t.teardown(() => Promise.all(servers.map((s) => s.stop())));
  for (const s of servers) await healthy(s);
  return { servers, keyPrefix };
}
type Teardown = { teardown(fn: () => unknown): void };

export async function oneInstance(t: Teardown, opts: Partial<HistoryOptions> = {}): Promise<{ a: TestServer; keyPrefix: string }> {
  const { servers, keyPrefix } = await started(t, 1, opts);
  return { a: servers[0]!, keyPrefix };
}

export async function twoInstances(t: Teardown, opts: Partial<HistoryOptions> = {}): Promise<{ a: TestServer; b: TestServer; keyPrefix: string }> {
  const { servers, keyPrefix } = await started(t, 2, opts);
  return { a: servers[0]!, b: servers[1]!, keyPrefix };
}

export async function healthy(srv: TestServer): Promise<void> {
  await until(async () => {
    const body = (await fetch(`${srv.httpBase}/health`, { headers: { connection: 'close' } }).then((r) => r.json())) as any;
    return body.components.redis?.status === 'up' && body.components.history?.status === 'up';
  }, 10_000, 'Redis and the history channel up');
}

export const messagesOf = (c: TestClient, room: string) => c.history.filter((f) => f.type === 'message' && f.room === room);

/** Publish n messages; resolves once the server handled them all (a ping after them is answered). */
export async function publishN(c: TestClient, room: string, n: number, from = 0): Promise<void> {
  for (let i = 0; i < n; i++) c.send({ type: 'publish', room, id: `p${from + i}`, data: { n: from + i } });
  await c.request({ type: 'ping' });
}

/** Wait until `c` received the message numbered n in `room`. */
export const received = (c: TestClient, room: string, n: number, ms = 5000) =>
  until(async () => messagesOf(c, room).some((f) => f.data?.n === n), ms, `${room} message ${n}`);

interface RedisServices {
  startRedisServer(opts?: { port?: number }): Promise<{ url: string; stop(): Promise<void>; kill(): Promise<void>; restart(): Promise<void> }>;
  startRedisCluster(opts?: { masters?: number }): Promise<{ nodes: Array<{ host: string; port: number }>; stop(): Promise<void> }>;
  /** A master, a replica and three sentinels (`redis-server --sentinel`), settled. */
  startSentinelGroup(opts?: { name?: string }): Promise<{ name: string; sentinels: string[]; master: { port: number; kill(): Promise<void> }; replica: { port: number }; masterPort(): Promise<number | undefined>; stop(): Promise<void> }>;
}

/** The provisioning script's throwaway Redis Cluster (never the machine's 6379). */
export function services(): Promise<RedisServices> {
  return import(fileURLToPath(new URL('../../../scripts/services/redis.mjs', import.meta.url))) as Promise<RedisServices>;
}
