/**
 * Analytics templates fill `{placeholders}` from the dashboard's query: a hostile value is
 * refused at the upgrade (400) and in `fetch` (INVALID_MESSAGE), and no URL ever leaves the
 * template's path under REST_BASE_URL.
 */
import t from 'tap';
import { Paths, makeDashboard } from '../src/dashboard.js';
import { HOSTILE_SEGMENTS as HOSTILE } from '../../snapshots/test/support.js';
import { dashboard, jwt, server, startUpstream } from './support.js';

t.test('every placeholder of the analytics templates, every hostile value: refused', async (t) => {
  const paths = new Paths('http://upstream.test/api', { 'public/users': '/stats/{sectionId}/{region}/{entity}' });
  const scopes = [['restaurant', 'payments', 'restaurantId'], ['public', 'users', 'sectionId'], ['public', 'users', 'region']] as const;
  for (const bad of HOSTILE) {
    for (const [scope, entity, name] of scopes) {
      const q = new Map([['restaurantId', 'r1'], ['sectionId', 's1'], ['region', 'eu']]);
      q.set(name, bad);
      let url: string | undefined;
      try {
        url = paths.url(makeDashboard(scope, entity, q));
      } catch (err) {
        t.equal((err as { code?: string }).code, 'INVALID_MESSAGE', `${scope} {${name}}=${JSON.stringify(bad)} refused`);
        t.throws(() => paths.checkPath(scope, entity, q), `checkPath refuses ${JSON.stringify(bad)} too`);
        continue;
      }
      t.fail(`${scope} {${name}}=${JSON.stringify(bad)} was accepted as ${url}`);
    }
  }
});

t.test('the upgrade answers 400 and fetch INVALID_MESSAGE; the upstream sees nothing', async (t) => {
  const up = await startUpstream();
  const srv = await server(up);
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const admin = { authorization: `Bearer ${await jwt({ sub: 'a', role: 'admin' })}` };
  for (const bad of ['..', '%2e%2e', '..%2f']) {
    const status = await srv.connect(`/ws/analytics/restaurant/payments?restaurantId=${encodeURIComponent(bad)}`, { headers: admin }).then(() => 101, (err: { status?: number }) => err.status);
    t.equal(status, 400, `restaurantId=${bad} at the upgrade`);
  }
  t.equal(up.calls.length, 0);
  const c = await dashboard(srv, '/ws/analytics/restaurant/payments?restaurantId=r1', { sub: 'a', role: 'admin' });
  await c.next('analytics-restaurant-payments.snapshot');
  const r = await c.request({ action: 'fetch', query: { restaurantId: '..' } });
  t.equal(r.code, 'INVALID_MESSAGE');
  t.equal(up.calls.length, 1, 'only the valid connect went upstream');
  t.equal(up.calls[0]!.path, '/analytics/restaurants/r1/payments');
});
