/** Test support: Actorwire instances sharing a Redis, JWTs, HTTP without keep-alive, waiting. */
import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { Redis } from 'ioredis';
import { sleep, startTestServer, until, type TestServer } from '@actorwire/testing';

export { sleep, until };
import authPlugin from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import redisPubSub, { type RedisPubSubOptions } from '../src/index.js';

export const SECRET = 'redis-pubsub-tests-secret-0123456789-abcdefghij';
/** The Redis `npm test` provisions (REDIS_URL), else the machine's. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export const jwt = (claims: Record<string, unknown>): Promise<string> =>
  new SignJWT({ exp: Math.floor(Date.now() / 1000) + 600, ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));

/** A key prefix of its own per test, so tests sharing a Redis never see each other. */
export const uniquePrefix = (): string => `t${randomBytes(4).toString('hex')}:`;

export function instance(redis: Partial<RedisPubSubOptions>, extra: { rooms?: Record<string, unknown> } = {}): Promise<TestServer> {
  return startTestServer({
    plugins: [[authPlugin, { secret: SECRET }], [rooms, extra.rooms ?? {}], [redisPubSub, { retryBase: 50, retryMax: 300, presenceHeartbeat: 500, presenceTtl: 5000, connectTimeout: 1000, ...redis }]],
  });
}

export async function user(srv: TestServer, sub: string, role?: string) {
  return srv.connect(`/ws?token=${await jwt({ sub, ...(role ? { role } : {}) })}`);
}

export function http(base: string, method: string, path: string, opts: { body?: unknown; token?: string } = {}): Promise<{ status: number; body: any }> {
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (body) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  return new Promise((resolve, reject) => {
    const req = request(base + path, { method, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Wait until Redis has `n` subscribers on a channel (SUBSCRIBE is asynchronous). */
export async function untilSubscribers(url: string, channel: string, n = 1): Promise<void> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await r.connect();
  try {
    await until(async () => {
      const res = (await r.pubsub('NUMSUB', channel)) as [string, number];
      return Number(res[1]) >= n;
    }, 5000, `${n} Redis subscriber(s) on ${channel}`);
  } finally {
    r.disconnect();
  }
}

interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
  kill(signal?: string): Promise<void>;
  /** The redis-server's pid (for SIGSTOP / SIGCONT). */
  readonly pid: number | null;
}
interface RedisCluster {
  nodes: Array<{ host: string; port: number }>;
  stop(): Promise<void>;
}
interface RedisServices {
  startRedisServer(opts?: { port?: number }): Promise<RedisServer>;
  startRedisCluster(opts?: { masters?: number }): Promise<RedisCluster>;
}

/** The provisioning script's throwaway redis-server / Redis Cluster (never the machine's 6379). */
export function services(): Promise<RedisServices> {
  const path = fileURLToPath(new URL('../../../scripts/services/redis.mjs', import.meta.url));
  return import(path) as Promise<RedisServices>;
}
