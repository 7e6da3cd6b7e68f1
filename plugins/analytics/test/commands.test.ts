/** refresh and fetch, query merging and filter removal, upstream failures, shared queries, the rooms policy. */
import t from 'tap';
import rooms from '@actorwire/plugin-rooms';
import { dashboard, server, startUpstream } from './support.js';

const admin = { role: 'admin' };

t.test('fetch merges into the session query; an empty value removes a filter; refresh re-queries', async (t) => {
  const up = await startUpstream();
  const srv = await server(up);
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const c = await dashboard(srv, '/ws/analytics/admin/payments?restaurantId=rest-123&startDate=2024-01-01', admin);
  const first = await c.next('analytics-admin-payments.snapshot');
  t.same(first.payload.query, { restaurantId: 'rest-123', startDate: '2024-01-01' });

  const more = await c.request({ action: 'fetch', query: { sectionId: 's1', startDate: '2024-02-01' } });
  t.equal(more.type, 'analytics-admin-payments.snapshot');
  t.equal(more.action, 'fetch');
  t.same(more.payload.query, { restaurantId: 'rest-123', sectionId: 's1', startDate: '2024-02-01' }, 'merged, later value wins');
  t.same(more.query, { restaurantId: 'rest-123', sectionId: 's1', startDate: '2024-02-01' });

  const fewer = await c.request({ action: 'fetch', query: { startDate: '', restaurantId: null } });
  t.same(fewer.payload.query, { sectionId: 's1' }, 'empty and null values remove filters');

  const callsBefore = up.calls.length;
  const again = await c.request({ type: 'refresh' });
  t.equal(again.action, 'refresh');
  t.equal(again.cached, false);
  t.equal(up.calls.length, callsBefore + 1, 'refresh always re-queries');
  t.equal(again.payload.version, fewer.payload.version + 1, 'and answers the new result');
  t.same(again.payload.query, { sectionId: 's1' }, 'with the session query');

  const bad = await c.request({ action: 'fetch', query: ['x'] });
  t.equal(bad.type, 'analytics-admin-payments.error');
  t.equal(bad.code, 'INVALID_MESSAGE');
  const badValue = await c.request({ action: 'fetch', query: { startDate: { $gt: 1 } } });
  t.equal(badValue.code, 'INVALID_MESSAGE');
  t.match(badValue.error, /startDate/);
  t.equal((await c.request({ type: 'ping' })).type, 'pong', 'the session stays open');
});

t.test('restaurant dashboards: fetch cannot drop the restaurant or move to a restaurant the token may not see', async (t) => {
  const up = await startUpstream();
  const srv = await server(up);
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const c = await dashboard(srv, '/ws/analytics/restaurant/users?restaurantId=r1', { restaurants: ['r1', 'r2'] });
  await c.next('analytics-restaurant-users.snapshot');
  const drop = await c.request({ action: 'fetch', query: { restaurantId: '' } });
  t.equal(drop.code, 'INVALID_MESSAGE');
  t.match(drop.error, /restaurantId/);
  const other = await c.request({ action: 'fetch', query: { restaurantId: 'r9' } });
  t.equal(other.type, 'analytics-restaurant-users.error');
  t.equal(other.code, 'FORBIDDEN');
  const allowed = await c.request({ action: 'fetch', query: { restaurantId: 'r2' } });
  t.equal(allowed.payload.path, '/analytics/restaurants/r2/users');
  t.equal(up.calls.filter((x) => x.path.includes('/r9/')).length, 0, 'the refused restaurant was never queried');
});

t.test('upstream failures answer .error with a code; the session stays open and recovers', async (t) => {
  const up = await startUpstream();
  let mode: 'ok' | '500' | 'slow' | '404' | 'notjson' = '500';
  up.answer = (call) => {
    if (mode === '500') return { status: 500, body: '{"error":"boom"}' };
    if (mode === 'slow') return { body: '{}', delayMs: 800 };
    if (mode === '404') return { status: 404, body: '{}' };
    if (mode === 'notjson') return { body: '<html>' };
    return { body: JSON.stringify({ ok: true, q: Object.fromEntries(call.query) }) };
  };
  const srv = await server(up, { analytics: { restTimeout: 300 } });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const c = await dashboard(srv, '/ws/analytics/public/reviews');
  const first = await c.next('analytics-public-reviews.error');
  t.equal(first.code, 'UPSTREAM_ERROR');
  t.equal(first.status, 500);
  t.equal(first.action, 'connect');
  mode = 'slow';
  t.equal((await c.request({ action: 'refresh' })).code, 'UPSTREAM_TIMEOUT');
  mode = '404';
  t.equal((await c.request({ action: 'refresh' })).code, 'NOT_FOUND');
  mode = 'notjson';
  const nj = await c.request({ action: 'refresh' });
  t.equal(nj.code, 'UPSTREAM_ERROR');
  t.match(nj.error, /not JSON/);
  mode = 'ok';
  const ok = await c.request({ action: 'refresh' });
  t.equal(ok.type, 'analytics-public-reviews.snapshot');
  t.equal(ok.payload.ok, true);
  const health = await (await fetch(`${srv.httpBase}/health`)).json() as { components?: Record<string, { status: string }> };
  t.equal(health.components?.analytics?.status, 'up', 'health recovers with the upstream');
});

t.test('sessions with the same dashboard share one upstream call; a different query is another call', async (t) => {
  const up = await startUpstream();
  up.answer = () => ({ body: '{"n":1}', delayMs: 200 });
  const srv = await server(up);
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const clients = await Promise.all(Array.from({ length: 20 }, () => dashboard(srv, '/ws/analytics/public/menus?startDate=2024-01-01&sectionId=a')));
  const firsts = await Promise.all(clients.map((c) => c.next('analytics-public-menus.snapshot')));
  t.equal(firsts.length, 20);
  t.equal(up.calls.length, 1, '20 sessions, one call');
  const reordered = await dashboard(srv, '/ws/analytics/public/menus?sectionId=a&startDate=2024-01-01');
  t.equal((await reordered.next('analytics-public-menus.snapshot')).cached, true, 'parameter order does not matter');
  const other = await dashboard(srv, '/ws/analytics/public/menus?sectionId=b');
  await other.next('analytics-public-menus.snapshot');
  t.equal(up.calls.length, 2);
});

t.test('restaurant scope asks the rooms plugin\'s backend policy when no claim matches', async (t) => {
  const up = await startUpstream();
  const asked: string[] = [];
  up.answer = (call) => {
    if (call.path.startsWith('/sellers/')) {
      asked.push(`${call.path}?${call.query}`);
      return { body: JSON.stringify({ allowed: call.path === '/sellers/r5/can_access' }) };
    }
    return { body: JSON.stringify({ path: call.path }) };
  };
  const srv = await server(up, { plugins: [[rooms, { backendUrl: up.url }]], analytics: { restaurantPolicy: 'rooms.seller' } });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const ok = await dashboard(srv, '/ws/analytics/restaurant/tables?restaurantId=r5', { sub: 'u42' });
  t.equal((await ok.next('analytics-restaurant-tables.snapshot')).payload.path, '/analytics/restaurants/r5/tables');
  t.same(asked, ['/sellers/r5/can_access?user_id=u42'], 'the backend was asked for that user and restaurant');
  const { expectRefused } = await import('@actorwire/testing');
  const { jwt } = await import('./support.js');
  const no = await expectRefused(`${srv.wsBase}/ws/analytics/restaurant/tables?restaurantId=r6`, { headers: { authorization: `Bearer ${await jwt({ sub: 'u42' })}` } });
  t.equal(no.status, 403, 'the backend said no → 403');
  const claimed = await dashboard(srv, '/ws/analytics/restaurant/tables?restaurantId=r7', { sub: 'u1', restaurant_id: 'r7' });
  await claimed.next('analytics-restaurant-tables.snapshot');
  t.equal(asked.length, 2, 'a matching claim does not ask the backend');
});
