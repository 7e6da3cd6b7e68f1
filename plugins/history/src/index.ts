/**
 * @actorwire/plugin-history — rooms matching configured patterns keep their newest messages:
 * each delivered message carries its `offset` and the room's `epoch`, a `subscribe` with
 * `since: {offset, epoch}` first receives what the session missed (or `recovered: false`), and
 * `history` pages through a room. In memory for one instance, in Redis Streams (shared by every
 * instance, Redis Cluster too) when @actorwire/plugin-redis-pubsub is loaded. See README.md.
 */
import { KernelError, KernelErrors, definePlugin, packageInfo, type Frame, type TopicRouter } from '@actorwire/core';
import { History } from './history.js';
import { historyMessage } from './history-message.js';
import { MemoryStore } from './memory-store.js';
import { optionsFromEnv, optionsSchema, type HistoryOptions } from './options.js';
import { RedisStore } from './redis-store.js';
import { HistoryRules } from './rules.js';
import type { HistoryStore } from './store.js';

export type { HistoryOptions, HistoryRule, HistoryStorage, KeptRule } from './options.js';
export type { HistoryStats } from './store.js';
export { History } from './history.js';

export default definePlugin<HistoryOptions>({
  name: 'history',
  version: packageInfo(import.meta.url).version,
  kernel: '^0.1.0',
  provides: ['history'],
  // Redis Streams when redis-pubsub is loaded.
  uses: ['redis'],
  options: optionsSchema,
  optionsFromEnv,
  register(ctx, o) {
    const seen = new Set<string>();
    for (const r of o.rooms) {
      if (seen.has(r.pattern)) throw new KernelError(KernelErrors.PLUGIN_OPTIONS, `history: room pattern "${r.pattern}" is listed twice`, 'history');
      seen.add(r.pattern);
      if ((r.ttl ?? 0) > o.metaTtl) throw new KernelError(KernelErrors.PLUGIN_OPTIONS, `history: "${r.pattern}" keeps messages ${r.ttl} ms, longer than metaTtl (${o.metaTtl} ms)`, 'history');
    }
    if (o.maxMessageBytes > o.maxRoomBytes || o.maxRoomBytes > o.maxBytes) {
      throw new KernelError(KernelErrors.PLUGIN_OPTIONS, `history: the byte limits must nest: HISTORY_MAX_MESSAGE_SIZE (${o.maxMessageBytes}) ≤ HISTORY_MAX_ROOM_BYTES (${o.maxRoomBytes}) ≤ HISTORY_MAX_BYTES (${o.maxBytes})`, 'history');
    }
    if (o.rooms.length === 0) {
      ctx.hooks.on('onReady', () => ctx.logger.info('history: no room patterns configured (HISTORY_ROOMS); nothing is kept'));
      return;
    }
    const rules = new HistoryRules(o.rooms, ctx.config.userTopicPrefix);
    const redis = ctx.services.find('redis');
    if (o.storage === 'redis' && redis === undefined) {
      throw new KernelError(KernelErrors.PLUGIN_OPTIONS, 'history: storage "redis" needs the redis-pubsub plugin (REDIS_URL, REDIS_ADDR or REDIS_CLUSTER_NODES)', 'history');
    }
    const clock = ctx.services.get('clock');
    // A recovery or a history page goes out in one go: at most half of what a socket may buffer,
    // less what it holds already (past the limit the socket drops what follows; see store.ts).
    const { maxBackpressure } = ctx.config.websocket;
    let store: HistoryStore;
    if (o.storage !== 'memory' && redis !== undefined) {
      const rs = new RedisStore(redis, clock, o.metaTtl, ctx.logger, ctx.tracer, maxBackpressure, o.maxMessageBytes, o.maxPendingBytes, ctx.inputs('redis-history', { maxBytes: o.maxMessageBytes + 1024 }));
      ctx.transports.add(rs.transport((topic) => rules.ruleOf(topic) !== undefined));
      store = rs;
    } else {
      store = new MemoryStore(ctx.bus, clock, o.maxRooms, maxBackpressure, { maxRoomBytes: o.maxRoomBytes, maxBytes: o.maxBytes }, o.maxMessageBytes);
      ctx.health('history', () => store.health());
    }
    const history = new History(rules, store, maxBackpressure);
    ctx.services.provide('history', history);

    // Publishes to these rooms are numbered and kept by the store, which then delivers them.
    // (A pattern like `*` also matches system topics and user channels: those go to the bus as before.)
    const router: TopicRouter = {
      publish(topic: string, frame: Frame): void | Promise<void> {
        const rule = rules.ruleOf(topic);
        if (rule === undefined) return void ctx.bus.publish(topic, frame);
        return store.publish(topic, rule, frame);
      },
    };
    for (const r of o.rooms) ctx.topics.route(r.pattern, router);
    ctx.messages.define('history', historyMessage(ctx, history, o.pageLimit));

    ctx.meter
      .createObservableCounter('actorwire_history_events', { description: 'History: messages appended, joins recovered / not recovered, messages resent to recovering sessions, publishes refused (storage unavailable)' })
      .addCallback((r) => {
        for (const [kind, n] of Object.entries(store.stats)) r.observe(n, { kind });
      });

    ctx.hooks.on('onReady', () => {
      ctx.logger.info({ storage: store.kind, rooms: rules.rules.map((r) => `${r.pattern}=${r.size}${r.ttl > 0 ? `/${r.ttl}ms` : ''}`) }, 'history ready');
      if (store.kind === 'memory' && ctx.transports.list().length > 0) {
        ctx.logger.warn('history: memory storage with a cluster transport loaded — each instance numbers and keeps its own history; use storage "redis" for one history across instances');
      }
    });
  },
});
