/**
 * A frozen Redis (`kill -STOP` on the test's own redis-server) under a stream of publishes:
 * what waits for Redis is bounded, the rest is dropped and counted, /health says degraded, the
 * process's memory stays flat, and delivery resumes when Redis does.
 */
// actorwire-test: runs alone — it measures memory under load; `npm test` runs it after the others, with nothing beside it.
import t from 'tap';
import { definePlugin, type PluginContext } from '@actorwire/core';
import { startTestServer } from '@actorwire/testing';
import authPlugin from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import redisPubSub from '../src/index.js';
import { SECRET, http, instance, services, uniquePrefix, until, user } from './support.js';

t.test('Redis paused for 3 s under 200 MB of publishes: bounded, counted, degraded, then resumed', async (t) => {
  const { startRedisServer } = await services();
  const redis = await startRedisServer();
  t.teardown(() => redis.stop());
  const keyPrefix = uniquePrefix();
  const hold: { ctx?: PluginContext } = {};
  const grab = definePlugin({ name: 'grab', version: '1.0.0', kernel: '^0.2.0', register(ctx) { hold.ctx = ctx; } });
  const a = await startTestServer({
    plugins: [[authPlugin, { secret: SECRET }], rooms, [redisPubSub, { url: redis.url, keyPrefix, maxPendingBytes: 1024 * 1024, retryBase: 50, retryMax: 300, connectTimeout: 1000 }], grab],
  });
  const b = await instance({ url: redis.url, keyPrefix });
  t.teardown(async () => { await a.stop(); await b.stop(); });
  const far = await user(b, 'bob');
  await far.request({ type: 'subscribe', room: 'stream' });
  const bus = hold.ctx!.bus;
  await until(async () => {
    bus.publish('stream', { type: 'message', room: 'stream', data: 'probe' });
    return far.next('message', 300).then(() => true, () => false);
  }, 5000, 'B receives A\'s publishes');

  process.kill(redis.pid!, 'SIGSTOP');
  t.teardown(() => { try { process.kill(redis.pid!, 'SIGCONT'); } catch { /* gone */ } });
  const rssBefore = process.memoryUsage().rss;
  const chunk = 'z'.repeat(20_000);
  for (let i = 0; i < 10_000; i++) {
    bus.publish('stream', { type: 'message', room: 'stream', data: chunk });
    if (i % 500 === 0) await new Promise((r) => setImmediate(r));
  }
  const rssGrowth = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
  const health = await http(a.httpBase, 'GET', '/health');
  t.equal(health.body.components?.redis?.status, 'degraded', '/health says Redis is not keeping up');
  t.match(health.body.components?.redis?.detail ?? '', /not keeping up/);
  const metrics = await http(a.httpBase, 'GET', '/metrics');
  const dropped = Number(/actorwire_redis_messages_total\{[^}]*kind="dropped"[^}]*\} (\d+)/.exec(String(metrics.body))?.[1] ?? 0);
  t.ok(dropped > 9000, `publishes beyond the bound were dropped and counted (${dropped})`);
  t.ok(rssGrowth < 80, `memory stayed flat: +${rssGrowth.toFixed(1)} MB for 200 MB published`);
  await new Promise((r) => setTimeout(r, 2000));
  process.kill(redis.pid!, 'SIGCONT');

  await until(async () => {
    bus.publish('stream', { type: 'message', room: 'stream', data: 'after' });
    return far.next((f) => f.type === 'message' && f.data === 'after', 300).then(() => true, () => false);
  }, 10_000, 'delivery resumes with Redis');
  t.pass('resumed');
});
