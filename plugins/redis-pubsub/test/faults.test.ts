/**
 * Faults, against a redis-server each test owns (REDIS_URL is provisioned for the others):
 * Redis restarted mid-run → delivery resumes without restarting Actorwire; Redis down at
 * startup → local delivery works, /health says degraded, and it recovers when Redis comes.
 */
import t from 'tap';
import { http, instance, services, uniquePrefix, until, user } from './support.js';

const health = async (base: string) => (await http(base, 'GET', '/health')).body;

t.test('Redis restarted mid-run: local delivery goes on, cross-instance delivery resumes', async (t) => {
  const { startRedisServer } = await services();
  const redis = await startRedisServer();
  t.teardown(() => redis.stop());
  const keyPrefix = uniquePrefix();
  const a = await instance({ url: redis.url, keyPrefix });
  const b = await instance({ url: redis.url, keyPrefix });
  t.teardown(async () => { await a.stop(); await b.stop(); });

  const pubA = await user(a, 'alice');
  const localA = await user(a, 'amy');
  const onB = await user(b, 'bob');
  for (const c of [pubA, localA, onB]) await c.request({ type: 'subscribe', room: 'ops' });
  const crossOnce = async (text: string) => {
    pubA.send({ type: 'publish', room: 'ops', data: text });
    t.equal((await onB.next('message', 3000)).data, text, `"${text}" reached B`);
  };
  await until(async () => {
    pubA.send({ type: 'publish', room: 'ops', data: 'probe' });
    const got = await onB.next('message', 300).then(() => true, () => false);
    return got;
  }, 5000, 'cross-instance path up');
  for (const c of [pubA, localA, onB]) c.frames.length = 0;
  await crossOnce('before');

  await redis.kill('SIGKILL');
  await until(async () => (await health(a.httpBase)).status === 'degraded', 5000, '/health degraded');
  const h = await health(a.httpBase);
  t.equal(h.components.redis.status, 'degraded');
  t.match(h.components.redis.detail, /local delivery only/);
  pubA.send({ type: 'publish', room: 'ops', data: 'while down' });
  t.equal((await localA.next((f) => f.type === 'message' && f.data === 'while down', 3000)).data, 'while down', 'local delivery works while Redis is down');
  t.ok(await onB.expectNone((f) => f.type === 'message' && f.data === 'while down', 500), 'not delivered to B (at-most-once while Redis is away)');
  t.equal((await pubA.request({ type: 'ping' })).type, 'pong', 'sessions unaffected');

  await redis.restart();
  await until(async () => (await health(a.httpBase)).status === 'healthy' && (await health(b.httpBase)).status === 'healthy', 10_000, 'both healthy again');
  // Subscriptions were restored by the plugin, not by a Actorwire restart.
  await until(async () => {
    pubA.send({ type: 'publish', room: 'ops', data: 'probe2' });
    return onB.next((f) => f.data === 'probe2', 300).then(() => true, () => false);
  }, 5000, 'subscriptions restored');
  onB.frames.length = 0;
  await crossOnce('after');
  t.ok(await onB.expectNone((f) => f.data === 'after', 300), 'exactly once after the restart');
});

t.test('Redis unavailable at startup: the server starts, local delivery works, degraded until Redis comes', async (t) => {
  const { startRedisServer } = await services();
  // Find a port, free it again: nothing listens there when Actorwire starts.
  const probe = await startRedisServer();
  const port = probe.port;
  await probe.stop();
  const a = await instance({ url: `redis://127.0.0.1:${port}`, keyPrefix: uniquePrefix() });
  t.teardown(() => a.stop());

  const h = await health(a.httpBase);
  t.equal(h.status, 'degraded', '/health says degraded');
  t.equal(h.components.redis.status, 'degraded');
  const x = await user(a, 'xavier');
  const y = await user(a, 'yara');
  await x.request({ type: 'subscribe', room: 'local' });
  t.equal((await y.request({ type: 'subscribe', room: 'local' })).data.client_count, 2, 'counts fall back to the local view');
  x.send({ type: 'publish', room: 'local', data: 'hi' });
  t.equal((await y.next('message')).data, 'hi', 'local delivery works without Redis');

  const redis = await startRedisServer({ port });
  t.teardown(() => redis.stop());
  await until(async () => (await health(a.httpBase)).status === 'healthy', 10_000, 'reconnected after a failed start');
  t.pass('healthy once Redis is up');
});
