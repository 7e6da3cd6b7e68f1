/** The route, scopes and aliases, entities, and who may open which dashboard (before the upgrade). */
import t from 'tap';
import { dashboard, refusal, server, startUpstream } from './support.js';

t.test('every scope and alias, and entity aliases, open the normalised dashboard with its first snapshot', async (t) => {
  const up = await startUpstream();
  const srv = await server(up);
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const admin = { role: 'admin' };
  const owner = { restaurant_id: 'rest-123' };
  const cases: Array<[string, Record<string, unknown> | undefined, string, string]> = [
    ['/ws/analytics/public/users', undefined, 'analytics-public-users', '/analytics/public/users'],
    ['/ws/analytics/PUBLIC/user', undefined, 'analytics-public-users', '/analytics/public/users'],
    ['/ws/analytics/public/subscription-plan', undefined, 'analytics-public-subscription-plans', '/analytics/public/subscription-plans'],
    ['/ws/analytics/restaurant/users?restaurantId=rest-123', owner, 'analytics-restaurant-users', '/analytics/restaurants/rest-123/users'],
    ['/ws/analytics/rest/dishes?restaurantId=rest-123', owner, 'analytics-restaurant-dishes', '/analytics/restaurants/rest-123/dishes'],
    ['/ws/analytics/owner/dish?restaurantId=rest-123', owner, 'analytics-restaurant-dishes', '/analytics/restaurants/rest-123/dishes'],
    ['/ws/analytics/restaurants/tables?restaurantId=rest-123', owner, 'analytics-restaurant-tables', '/analytics/restaurants/rest-123/tables'],
    ['/ws/analytics/admin/payments', admin, 'analytics-admin-payments', '/analytics/admin/payments'],
    ['/ws/analytics/auth/payment', admin, 'analytics-admin-payments', '/analytics/admin/payments'],
    ['/ws/analytics/admins/auth', admin, 'analytics-admin-auth', '/analytics/admin/auth'],
  ];
  for (const [path, claims, topic, upstreamPath] of cases) {
    const c = await dashboard(srv, path, claims);
    const first = await c.next(`${topic}.snapshot`, 5000);
    t.equal(first.topic, `${topic}.snapshot`, `${path}: topic`);
    t.equal(first.action, 'connect', `${path}: pushed on connect`);
    t.equal(first.payload.path, upstreamPath, `${path}: upstream path`);
    t.equal(first.metadata, null);
    c.terminate();
  }
  // Path parameters are consumed by the path; the rest is the query string.
  const f = await dashboard(srv, '/ws/analytics/admin/payments?restaurantId=rest-123&startDate=2024-01-01', admin);
  const snap = await f.next('analytics-admin-payments.snapshot', 5000);
  t.same(snap.payload.query, { restaurantId: 'rest-123', startDate: '2024-01-01' }, 'admin filters go to the query string');
  t.same(snap.query, { restaurantId: 'rest-123', startDate: '2024-01-01' }, 'the frame says its query');
  const r = await dashboard(srv, '/ws/analytics/restaurant/users?restaurantId=rest-123&startDate=2024-01-01&sectionId=s1', owner);
  const rs = await r.next('analytics-restaurant-users.snapshot', 5000);
  t.equal(rs.payload.path, '/analytics/restaurants/rest-123/users');
  t.same(rs.payload.query, { sectionId: 's1', startDate: '2024-01-01' }, 'restaurantId is in the path, not repeated');
});

t.test('unknown scope or entity → 404 before the upgrade; malformed query → 400', async (t) => {
  const up = await startUpstream();
  const srv = await server(up);
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const scope = await refusal(srv, '/ws/analytics/galaxy/users');
  t.equal(scope.status, 404);
  t.equal(scope.body.code, 'UNKNOWN_SCOPE');
  t.same(scope.body.scopes, ['public', 'restaurant', 'admin']);
  const entity = await refusal(srv, '/ws/analytics/public/spaceships');
  t.equal(entity.status, 404);
  t.equal(entity.body.code, 'UNKNOWN_ENTITY');
  t.ok(entity.body.entities.includes('subscription-plans'));
  const long = await refusal(srv, `/ws/analytics/public/users?startDate=${'x'.repeat(600)}`);
  t.equal(long.status, 400);
  t.match(long.body.error, /longer than 512/);
  const many = await refusal(srv, `/ws/analytics/public/users?${Array.from({ length: 40 }, (_, i) => `f${i}=1`).join('&')}`);
  t.equal(many.status, 400);
  t.match(many.body.error, /at most 32/);
  t.equal(up.calls.length, 0, 'nothing refused reached the upstream');
});

t.test('auth matrix', async (t) => {
  const up = await startUpstream();
  const srv = await server(up);
  t.teardown(async () => { await srv.stop(); await up.close(); });

  // public: with or without a token; the token is forwarded when given.
  const anon = await dashboard(srv, '/ws/analytics/public/users');
  await anon.next('analytics-public-users.snapshot', 5000);
  t.equal(up.calls.at(-1)!.authorization, undefined, 'anonymous: no token forwarded');
  const withToken = await dashboard(srv, '/ws/analytics/public/users?startDate=2024-02-01', { sub: 'u9' });
  await withToken.next('analytics-public-users.snapshot', 5000);
  t.match(up.calls.at(-1)!.authorization, /^Bearer ey/, 'a given token is forwarded');
  const badToken = await srv.connect('/ws/analytics/public/users', { headers: { authorization: 'Bearer not-a-jwt' }, awaitConnected: false }).then(
    () => 'accepted', (err: { status?: number }) => err.status,
  );
  t.equal(badToken, 401, 'public with a bad token: 401 (a token given is a token checked)');

  // restaurant
  t.equal((await refusal(srv, '/ws/analytics/restaurant/users?restaurantId=rest-123')).status, 401, 'restaurant without token → 401');
  const missing = await refusal(srv, '/ws/analytics/restaurant/users', { restaurant_id: 'rest-123' });
  t.equal(missing.status, 400, 'restaurant without restaurantId → 400');
  t.match(missing.body.error, /restaurantId/);
  const wrong = await refusal(srv, '/ws/analytics/restaurant/users?restaurantId=rest-999', { restaurant_id: 'rest-123' });
  t.equal(wrong.status, 403, 'wrong restaurant → 403');
  t.equal(wrong.body.code, 'FORBIDDEN');
  const listed = await dashboard(srv, '/ws/analytics/restaurant/users?restaurantId=r2', { restaurants: ['r1', 'r2'] });
  await listed.next('analytics-restaurant-users.snapshot', 5000);
  t.pass('a restaurant listed in an array claim is allowed');
  const adminAnyRestaurant = await dashboard(srv, '/ws/analytics/restaurant/users?restaurantId=r77', { role: 'admin' });
  await adminAnyRestaurant.next('analytics-restaurant-users.snapshot', 5000);
  t.pass('an admin sees any restaurant');

  // admin
  t.equal((await refusal(srv, '/ws/analytics/admin/payments')).status, 401, 'admin without token → 401');
  const noRole = await refusal(srv, '/ws/analytics/admin/payments', { role: 'user' });
  t.equal(noRole.status, 403, 'admin without the role → 403');
  const inRoles = await dashboard(srv, '/ws/analytics/admin/payments', { roles: ['staff', 'admin'] });
  await inRoles.next('analytics-admin-payments.snapshot', 5000);
  t.pass('the admin role in a roles array is enough');
});
