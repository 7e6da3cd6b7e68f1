/**
 * ioredis clients for one Redis (URL / addr), a master found through Redis Sentinel, or a Redis
 * Cluster (sharded pub/sub), with
 * reconnection by exponential backoff with full jitter, no offline queue (a command while
 * disconnected fails at once instead of piling up), and TLS when asked.
 */
import { Redis, Cluster, type RedisOptions } from 'ioredis';
import type { RedisPubSubOptions } from './options.js';

export type Client = Redis | Cluster;

/** Full-jitter exponential backoff: random in [0, min(max, base·2^attempt)], at least 10 ms. */
export function backoff(attempt: number, base: number, max: number): number {
  const cap = Math.min(max, base * 2 ** Math.min(attempt, 20));
  return Math.max(10, Math.floor(Math.random() * cap));
}

function baseOptions(o: RedisPubSubOptions, role: string): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    // We resubscribe ourselves on `ready` from the set of wanted channels.
    autoResubscribe: false,
    maxRetriesPerRequest: 1,
    connectTimeout: o.connectTimeout,
    connectionName: `actorwire-${role}`,
    retryStrategy: (times) => backoff(times, o.retryBase, o.retryMax),
    ...(o.tls ? { tls: {} } : {}),
    ...(o.password !== undefined ? { password: o.password } : {}),
  };
}

/** Where to connect, for logs and /health (never the password). */
export function describeTarget(o: RedisPubSubOptions): string {
  if (o.clusterNodes.length > 0) return `cluster ${o.clusterNodes.join(',')}`;
  if (o.sentinels.length > 0) return `sentinel ${o.sentinelName} via ${o.sentinels.join(',')}`;
  if (o.url) {
    const u = new URL(o.url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  }
  return `redis://${o.addr ?? '127.0.0.1:6379'}`;
}

function hostPort(n: string): { host: string; port: number } {
  const i = n.lastIndexOf(':');
  return { host: n.slice(0, i), port: Number(n.slice(i + 1)) };
}

export function createClient(o: RedisPubSubOptions, role: string): Client {
  const opts = baseOptions(o, role);
  if (o.clusterNodes.length > 0) {
    const nodes = o.clusterNodes.map(hostPort);
    return new Cluster(nodes, {
      lazyConnect: true,
      enableOfflineQueue: false,
      shardedSubscribers: true,
      clusterRetryStrategy: (times) => backoff(times, o.retryBase, o.retryMax),
      redisOptions: opts,
    });
  }
  if (o.sentinels.length > 0) {
    // ioredis asks the sentinels for the master, and again whenever the connection drops or
    // Sentinel announces a failover (`failoverDetector`): every connection follows the new master.
    return new Redis({
      ...opts,
      sentinels: o.sentinels.map(hostPort),
      name: o.sentinelName,
      role: 'master',
      failoverDetector: true,
      sentinelRetryStrategy: (times) => backoff(times, o.retryBase, o.retryMax),
      ...(o.sentinelPassword !== undefined ? { sentinelPassword: o.sentinelPassword } : {}),
      ...(o.tls ? { enableTLSForSentinelMode: true } : {}),
    });
  }
  if (o.url) return new Redis(o.url, { ...opts, ...(o.url.startsWith('rediss:') ? { tls: {} } : {}) });
  const [host, port] = (o.addr ?? '127.0.0.1:6379').split(':');
  return new Redis({ ...opts, host, port: Number(port) });
}
