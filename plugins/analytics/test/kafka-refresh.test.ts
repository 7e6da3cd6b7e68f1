/**
 * Kafka-driven re-queries against the real broker `npm test` provisions (KAFKA_BROKERS): an
 * event re-queries only the dashboards that depend on its entity (and its restaurant), once
 * per distinct dashboard however many sessions share it, and pushes only to their sessions.
 */
import t from 'tap';
import type { ReceivedFrame } from '@actorwire/testing';
import kafkaPlugin from '@actorwire/plugin-kafka';
import rooms from '@actorwire/plugin-rooms';
import { BROKERS, consuming, createTopics, produce, unique } from '../../kafka/test/support.js';
import { dashboard, server, startUpstream } from './support.js';

const admin = { role: 'admin' };

async function setup(t: { teardown(fn: () => unknown): void }, refreshWindow = 100) {
  const payments = unique('payments.events');
  const tables = unique('tables.events');
  await createTopics(payments, tables);
  const up = await startUpstream();
  const srv = await server(up, {
    plugins: [rooms, [kafkaPlugin, { brokers: BROKERS, groupId: unique('analytics'), fromBeginning: true }]],
    analytics: { entityTopics: [`payments:${payments}`, `tables:${tables}`], refreshWindow, refreshMaxDelay: 10_000 },
  });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  await consuming(srv);
  return { payments, tables, up, srv };
}

t.test('a payments event re-queries only dashboards that depend on payments, once per distinct dashboard', async (t) => {
  const { payments, up, srv } = await setup(t, 300);
  // Three sessions on one payments dashboard, one on another query, one on subscriptions
  // (payments affect subscriptions by default), and bystanders on users and tables.
  const same = await Promise.all([0, 1, 2].map(() => dashboard(srv, '/ws/analytics/admin/payments?startDate=2024-01-01', admin)));
  const otherQuery = await dashboard(srv, '/ws/analytics/admin/payments?startDate=2024-06-01', admin);
  const subs = await dashboard(srv, '/ws/analytics/public/subscriptions');
  const users = await dashboard(srv, '/ws/analytics/public/users');
  const tablesBoard = await dashboard(srv, '/ws/analytics/restaurant/tables?restaurantId=r1', { restaurant_id: 'r1' });
  const everyone = [...same, otherQuery, subs, users, tablesBoard];
  for (const c of everyone) await c.next((f) => f.type.endsWith('.snapshot'));
  const before = up.calls.length;
  t.equal(before, 5, 'five distinct dashboards, five first queries');

  // A burst of 50 events within the window: one re-query per affected dashboard.
  await produce(payments, Array.from({ length: 50 }, (_, i) => ({ value: { id: `p${i}`, amount: 10 } })));
  const updates = await Promise.all([...same, otherQuery, subs].map((c) => c.next((f) => f.action === 'update', 15_000)));
  for (const u of updates) t.equal(u.type.endsWith('.snapshot'), true);
  t.same(updates.slice(0, 3).map((u) => u.payload.version), [2, 2, 2], 'the three sessions of one dashboard got the same new result');
  t.equal(up.count('/analytics/admin/payments?startDate=2024-01-01'), 2, 'one re-query for the three of them');
  t.equal(up.count('/analytics/admin/payments?startDate=2024-06-01'), 2, 'one for the other query');
  t.equal(up.count('/analytics/public/subscriptions'), 2, 'one for the dependent subscriptions dashboard');
  t.ok(await users.expectNone((f) => f.action === 'update', 400), 'users dashboards are not touched by payments');
  t.ok(await tablesBoard.expectNone((f) => f.action === 'update', 10), 'nor tables dashboards');
  t.equal(up.count('/analytics/public/users'), 1);
  t.equal(up.count('/analytics/restaurants/r1/tables'), 1);
  t.equal(up.calls.length, before + 3, 'three upstream calls for 50 events');
});

t.test('an event naming a restaurant re-queries that restaurant\'s dashboards and unfiltered ones, not other restaurants\'', async (t) => {
  const { tables, up, srv } = await setup(t);
  const r1 = await dashboard(srv, '/ws/analytics/restaurant/tables?restaurantId=r1', { restaurant_id: 'r1' });
  const r2 = await dashboard(srv, '/ws/analytics/restaurant/tables?restaurantId=r2', { restaurant_id: 'r2' });
  const all = await dashboard(srv, '/ws/analytics/admin/tables', admin);
  const sections = await dashboard(srv, '/ws/analytics/restaurant/sections?restaurantId=r1', { restaurant_id: 'r1' });
  for (const c of [r1, r2, all, sections]) await c.next((f) => f.type.endsWith('.snapshot'));

  await produce(tables, [{ value: { id: 't7', restaurant_id: 'r1', status: 'occupied' } }]);
  const [u1, uAll, uSections] = await Promise.all([r1, all, sections].map((c) => c.next((f) => f.action === 'update', 15_000))) as [ReceivedFrame, ReceivedFrame, ReceivedFrame];
  t.equal(u1.payload.path, '/analytics/restaurants/r1/tables');
  t.equal(uAll.payload.path, '/analytics/admin/tables');
  t.equal(uSections.payload.path, '/analytics/restaurants/r1/sections', 'tables events affect section dashboards');
  t.ok(await r2.expectNone((f) => f.action === 'update', 400), 'restaurant r2 is not re-queried');
  t.equal(up.count('/analytics/restaurants/r2/tables'), 1);

  // A failed re-query reaches the dashboard's sessions as .error; they stay open.
  up.answer = () => ({ status: 503, body: '{}' });
  await produce(tables, [{ headers: { 'ws-restaurant': 'r2' }, value: { id: 't8' } }]);
  const failed = await r2.next((f) => f.action === 'update', 15_000);
  t.equal(failed.type, 'analytics-restaurant-tables.error');
  t.equal(failed.code, 'UPSTREAM_ERROR');
  t.equal(failed.status, 503);
  t.equal((await r2.request({ type: 'ping' })).type, 'pong');
});
