/**
 * @actorwire/plugin-history — rooms matching configured patterns keep their newest messages:
 * each delivered message carries its `offset` and the room's `epoch`, a `subscribe` with
 * `since: {offset, epoch}` first receives what the session missed (or `recovered: false`), and
 * `history` pages through a room. The plugin says which rooms keep how much
 * (`topics.define(pattern, { history })`); numbering, keeping and recovery are the kernel's and
 * its broker's — in memory on one instance, in Redis Streams with @actorwire/plugin-redis-pubsub.
 * See README.md.
 */
import { KernelError, KernelErrors, definePlugin, packageInfo } from '@actorwire/core';
import { historyMessage } from './history-message.js';
import { optionsFromEnv, optionsSchema, type HistoryOptions } from './options.js';

export type { HistoryOptions, HistoryRule, HistoryStorage } from './options.js';

const fail = (why: string) => new KernelError(KernelErrors.PLUGIN_OPTIONS, `history: ${why}`, 'history');

export default definePlugin<HistoryOptions>({
  name: 'history',
  version: packageInfo(import.meta.url).version,
  kernel: '^0.2.0',
  // After a plugin that replaces the broker (redis-pubsub), to check `storage` against it.
  uses: ['broker'],
  options: optionsSchema,
  optionsFromEnv,
  register(ctx, o) {
    const seen = new Set<string>();
    for (const r of o.rooms) {
      if (seen.has(r.pattern)) throw fail(`room pattern "${r.pattern}" is listed twice`);
      seen.add(r.pattern);
    }
    const maxBytes = ctx.config.history.maxBytes;
    if (o.maxMessageBytes > o.maxRoomBytes || o.maxRoomBytes > maxBytes) {
      throw fail(`the byte limits must nest: HISTORY_MAX_MESSAGE_SIZE (${o.maxMessageBytes}) ≤ HISTORY_MAX_ROOM_BYTES (${o.maxRoomBytes}) ≤ HISTORY_MAX_BYTES (${maxBytes})`);
    }
    if (o.rooms.length === 0) {
      ctx.hooks.on('onReady', () => ctx.logger.info('history: no room patterns configured (HISTORY_ROOMS); nothing is kept'));
      return;
    }
    const broker = ctx.services.get('broker').name;
    if (o.storage === 'redis' && broker !== 'redis') throw fail('storage "redis" needs the redis-pubsub plugin (REDIS_URL, REDIS_ADDR or REDIS_CLUSTER_NODES)');
    if (o.storage === 'memory' && broker !== 'memory') throw fail(`storage "memory", but the server's broker is "${broker}", which keeps history itself: leave HISTORY_STORAGE unset`);
    for (const r of o.rooms) {
      ctx.topics.define(r.pattern, { history: { size: r.size ?? 100, ttl: r.ttl ?? 0, maxBytes: o.maxRoomBytes, maxMessageBytes: o.maxMessageBytes } });
    }
    ctx.messages.define('history', historyMessage(ctx, o.pageLimit));
    ctx.hooks.on('onReady', () => {
      ctx.logger.info({ broker, rooms: o.rooms.map((r) => `${r.pattern}=${r.size ?? 100}${r.ttl ? `/${r.ttl}ms` : ''}`) }, 'history ready');
    });
  },
});
