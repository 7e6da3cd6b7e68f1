/**
 * @actorwire/plugin-redis-pubsub — N Actorwire instances behave as one through Redis: the
 * server's broker (rooms, user channels and broadcasts reach every instance exactly once over
 * pub/sub; rooms with history are numbered, kept and recovered from Redis Streams) and a
 * cluster-wide `presence` (room counts, capacity, members, /admin/clients). See README.md.
 */
import { definePlugin, packageInfo } from '@actorwire/core';
import type { Client } from './connection.js';
import { Channels } from './channels.js';
import { InteropChannels } from './interop.js';
import { describeTarget } from './connection.js';
import { optionsFromEnv, optionsSchema, type RedisPubSubOptions } from './options.js';
import { RedisPresence } from './presence.js';
import { RedisTransport } from './transport.js';
import { RedisBroker } from './broker.js';
import { RedisHistory } from './history.js';

export type { RedisPubSubOptions } from './options.js';
export { RedisTransport } from './transport.js';
export { RedisBroker } from './broker.js';
export { RedisPresence } from './presence.js';
export { Channels } from './channels.js';
export { encode, decode } from './envelope.js';
export type { Client } from './connection.js';

/** The Redis this plugin connects to, for plugins that keep data there too (history). */
export interface RedisConnection {
  /** The command connection (no offline queue: a command while Redis is away fails at once). `duplicate()` it for a subscriber. */
  readonly client: Client;
  /** Prefix of every key and channel of this deployment (`REDIS_KEY_PREFIX`). */
  readonly keyPrefix: string;
  /** Redis Cluster: sharded pub/sub (SPUBLISH/SSUBSCRIBE), keys of one command must share a hash slot. */
  readonly cluster: boolean;
  /** Where it connects, for logs (never the password). */
  readonly target: string;
}

declare module '@actorwire/core' {
  interface ActorwireServices {
    /** The Redis connection of @actorwire/plugin-redis-pubsub. */
    redis: RedisConnection;
  }
}

export default definePlugin<RedisPubSubOptions>({
  name: 'redis-pubsub',
  version: packageInfo(import.meta.url).version,
  kernel: '^0.2.0',
  // The server's broker and cluster-wide presence instead of the kernel's per-instance ones.
  replaces: ['broker', 'presence'],
  provides: ['redis'],
  options: optionsSchema,
  optionsFromEnv,
  register(ctx, o) {
    if (o.clusterNodes.length > 0 && o.sentinels.length > 0) {
      throw new Error('REDIS_SENTINELS and REDIS_CLUSTER_NODES cannot both be set: Redis Cluster does its own failover');
    }
    if (o.clusterNodes.length > 0 && o.mode === 'pattern') {
      throw new Error('REDIS_SUBSCRIBE_MODE=pattern is not available with REDIS_CLUSTER_NODES (sharded pub/sub has no patterns)');
    }
    if (o.presenceTtl <= o.presenceHeartbeat) {
      throw new Error(`REDIS_PRESENCE_TTL (${o.presenceTtl} ms) must be longer than REDIS_PRESENCE_HEARTBEAT (${o.presenceHeartbeat} ms)`);
    }
    const channels = new Channels(o.keyPrefix, ctx.bus.broadcastTopic, ctx.sessions.userTopic(''));
    const interop = o.interop
      ? new InteropChannels(
        { roomPrefix: channels.roomPrefix, eventsPrefix: o.interopEventsPrefix, userPrefix: o.interopUserPrefix, broadcastChannel: o.interopBroadcastChannel },
        ctx.bus.broadcastTopic, ctx.sessions.userTopic(''), { roomFormat: o.interopRoomFormat, events: o.interopEvents },
      )
      : undefined;
    const transport = new RedisTransport(o, channels, ctx.bus.instanceId, ctx.logger, ctx.tracer, ctx.inputs('redis', { maxBytes: o.maxMessageSize }), interop);
    const redis: RedisConnection = { client: transport.pub, keyPrefix: o.keyPrefix, cluster: o.clusterNodes.length > 0, target: describeTarget(o) };
    const history = () => new RedisHistory(
      redis, ctx.services.get('clock'), o.historyMetaTtl, ctx.logger, ctx.tracer, o.historyMaxPendingBytes,
      // What comes back from Redis (channel messages, stream entries) passes it: anyone who can write to Redis can put anything there.
      historyGuard,
    );
    const historyGuard = ctx.inputs('redis-history', { maxBytes: o.maxMessageSize });
    ctx.services.provide('broker', new RedisBroker(transport, history));

    const presence = new RedisPresence({
      client: transport.pub,
      prefix: o.keyPrefix,
      instanceId: ctx.bus.instanceId,
      topics: ctx.topics,
      sessions: ctx.sessions,
      heartbeat: o.presenceHeartbeat,
      ttl: o.presenceTtl,
      logger: ctx.logger,
    });
    ctx.services.provide('presence', presence);
    ctx.services.provide('redis', redis);
    transport.onReconnect = () => void presence.resync();
    ctx.hooks.on('onSubscribe', (_session, topic) => presence.touch(topic));
    ctx.hooks.on('onUnsubscribe', (_session, topic) => presence.touch(topic));
    ctx.hooks.on('onReady', () => {
      presence.start();
      ctx.logger.info({ target: describeTarget(o), mode: o.clusterNodes.length > 0 ? 'cluster (sharded pub/sub)' : o.mode, prefix: o.keyPrefix, interop: o.interop }, 'redis-pubsub ready');
    });
    ctx.hooks.on('onClose', () => presence.stop());

    ctx.meter
      .createObservableCounter('actorwire_redis_messages', { description: 'Bus messages through Redis: published, received, echoes (own, ignored), dropped (Redis away), malformed' })
      .addCallback((r) => {
        for (const [kind, n] of Object.entries(transport.stats)) r.observe(n, { kind });
      });
  },
});
