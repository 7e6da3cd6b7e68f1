/**
 * The view helpers against real snapshots and analytics plugins, with the in-process REST
 * upstream of the plugins' own tests: list and detail answers, an upstream failure rejecting
 * with its code, a pushed refresh after a change; a dashboard's first snapshot, refresh and fetch.
 */
import t from 'tap';
import WebSocket from 'ws';
import { startTestServer } from '@actorwire/testing';
import authPlugin from '@actorwire/plugin-auth';
import snapshots from '@actorwire/plugin-snapshots';
import analytics from '@actorwire/plugin-analytics';
import { ActorwireClient, ActorwireClientError, Dashboard, EntityView, type SnapshotFrame, type WebSocketConstructor } from '../src/index.js';
import { SECRET, jwt, startUpstream } from '../../plugins/snapshots/test/support.js';

const open = async (url: string, claims: Record<string, unknown>) => {
  const c = new ActorwireClient({ url, WebSocket: WebSocket as unknown as WebSocketConstructor, token: await jwt(claims), tokenIn: 'query' });
  await c.connect();
  return c;
};

t.test('EntityView: list, detail, errors with their code, pushed refreshes', async (t) => {
  const up = await startUpstream();
  t.teardown(() => up.close());
  const srv = await startTestServer({ plugins: [[authPlugin, { secret: SECRET }], [snapshots, { restBaseUrl: up.url, changesRoles: ['service'] }]] });
  t.teardown(() => srv.stop());
  const client = await open(`${srv.wsBase}/ws/tables/hall-1`, { sub: 'waiter' });
  t.teardown(() => client.close());
  const tables = new EntityView<{ path: string; version: number }>(client, 'tables');

  const list = await tables.list({ status: 'free' });
  t.match(list, { type: 'tables.list', entity: 'tables', section: 'hall-1', query: { status: 'free' } });
  t.match(list.payload.path, /tables/, 'the upstream body, verbatim, in payload');
  const detail = await tables.detail(7);
  t.match(detail, { type: 'tables.detail', entity_id: '7' });

  up.answer = () => ({ status: 500, body: '{}' });
  const failed = await tables.detail(8).catch((e: unknown) => e);
  t.ok(failed instanceof ActorwireClientError);
  t.equal((failed as ActorwireClientError).code, 'UPSTREAM_ERROR', 'an <entity>.error answer rejects with its code');

  let v = 100;
  up.answer = (call) => ({ body: JSON.stringify({ path: call.path, version: ++v }) });
  const pushed = new Promise<SnapshotFrame<{ version: number }>>((resolve) => tables.onUpdate(resolve));
  const res = await fetch(`${srv.httpBase}/api/snapshots/changes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await jwt({ sub: 'svc', role: 'service' })}`, 'content-type': 'application/json' },
    body: JSON.stringify({ entity: 'tables', section: 'hall-1' }),
  });
  t.equal(res.status, 202, 'a change reported for the section');
  const update = await pushed;
  t.ok(update.payload.version > 100, `a fresh snapshot was pushed (${update.type})`);
});

t.test('Dashboard: the first snapshot at connect, refresh and fetch', async (t) => {
  const up = await startUpstream();
  t.teardown(() => up.close());
  const srv = await startTestServer({ plugins: [[authPlugin, { secret: SECRET }], [analytics, { restBaseUrl: up.url, refreshWindow: 50 }]] });
  t.teardown(() => srv.stop());
  const client = new ActorwireClient({ url: `${srv.wsBase}/ws/analytics/admin/payments?restaurantId=r1`, WebSocket: WebSocket as unknown as WebSocketConstructor, token: await jwt({ sub: 'boss', role: 'admin' }), tokenIn: 'query' });
  t.teardown(() => client.close());
  const payments = new Dashboard<{ query: Record<string, string>; version: number }>(client, 'admin', 'payments');
  const first = new Promise<SnapshotFrame<{ query: Record<string, string>; version: number }>>((resolve) => payments.onSnapshot(resolve));
  await client.connect();
  t.match(await first, { type: 'analytics-admin-payments.snapshot', action: 'connect', query: { restaurantId: 'r1' } });
  const refreshed = await payments.refresh();
  t.match(refreshed, { action: 'refresh' });
  const fetched = await payments.fetch({ startDate: '2024-01-01' });
  t.match(fetched, { action: 'fetch', query: { restaurantId: 'r1', startDate: '2024-01-01' } });
  t.equal(fetched.payload.query.startDate, '2024-01-01', 'the filter reached the upstream');
});
