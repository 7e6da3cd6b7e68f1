/**
 * Dashboards are topics, cluster-wide: two instances on the real Redis (REDIS_URL, redis-pubsub).
 * An event reported on one instance re-queries each affected dashboard once and publishes the
 * answer, so its sessions on both instances get it once; the other instance drops its cached
 * answers the event touched.
 */
import t from 'tap';
import { until, type ReceivedFrame, type TestServer } from '@actorwire/testing';
import redisPubSub from '@actorwire/plugin-redis-pubsub';
import type {} from '../src/index.js';
import { uniquePrefix } from '../../redis-pubsub/test/support.js';
import { dashboard, server, startUpstream } from './support.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TOPIC = '$analytics:view:public:payments:startDate%3D2024-01-01';

t.test('an event on one of two instances re-queries the dashboard once for the sessions of both', async (t) => {
  const up = await startUpstream();
  const keyPrefix = uniquePrefix();
  const nodes: TestServer[] = [];
  t.teardown(async () => {
    for (const n of nodes) await n.stop();
    await up.close();
  });
  for (let i = 0; i < 2; i++) {
    nodes.push(await server(up, {
      plugins: [[redisPubSub, { url: REDIS_URL, keyPrefix, presenceHeartbeat: 500, presenceTtl: 5000, retryBase: 50, retryMax: 300 }]],
      analytics: { refreshWindow: 50, refreshMaxDelay: 1000 },
    }));
  }
  const [n1, n2] = nodes as [TestServer, TestServer];
  const here = await dashboard(n1, '/ws/analytics/public/payments?startDate=2024-01-01');
  const there = await dashboard(n2, '/ws/analytics/public/payments?startDate=2024-01-01');
  const other = await dashboard(n2, '/ws/analytics/public/users');
  for (const c of [here, there, other]) await c.next((f) => f.type.endsWith('.snapshot'));
  const path = '/analytics/public/payments?startDate=2024-01-01';
  t.equal(up.count(path), 2, 'each instance queried it once for its own session (caches are per instance)');
  await until(async () => (await n1.kernel.services.get('presence').count(TOPIC)) === 2, 10_000, 'instance 1 sees both sessions on the dashboard topic');

  n1.kernel.services.get('analytics').changed({ entity: 'payments' });
  const [a, b] = (await Promise.all([here, there].map((c) => c.next((f) => f.action === 'update', 10_000)))) as [ReceivedFrame, ReceivedFrame];
  t.equal(a.payload.version, 3, 'the re-queried answer');
  t.equal(b.payload.version, 3, 'the same answer on the other instance');
  t.equal(up.count(path), 3, 'one re-query for sessions on two instances');
  for (const c of [here, there]) t.ok(await c.expectNone((f) => f.action === 'update', 300), 'once each');
  t.ok(await other.expectNone((f) => f.action === 'update', 10), 'the users dashboard is not touched');

  // Instance 2's cached answer (version 2) was dropped: a new session there is not served it.
  const late = await dashboard(n2, '/ws/analytics/public/payments?startDate=2024-01-01');
  const first = await late.next((f) => f.type.endsWith('.snapshot'));
  t.equal(first.cached, false, 'fetched again, not the copy from before the event');
  t.equal(first.payload.version, 4);
});
