/**
 * Anonymous viewers never borrow a credential: a public dashboard opened without a token goes
 * upstream without one (not with the service token, not with another viewer's), and is never
 * served an answer fetched with someone's token. Re-queries nobody asked for use the service
 * token or nothing. Credential-like names are refused as filters.
 */
import t from 'tap';
import { dashboard, jwt, server, startUpstream } from './support.js';

const PUBLIC = '/ws/analytics/public/users';

t.test('anonymous connect, refresh and fetch go upstream without credentials, even with a service token set', async (t) => {
  const up = await startUpstream();
  const srv = await server(up, { analytics: { serviceToken: 'svc-analytics-0123456789' } });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const anon = await dashboard(srv, `${PUBLIC}?restaurantId=r999`);
  await anon.next('analytics-public-users.snapshot');
  await anon.request({ action: 'refresh' });
  await anon.request({ action: 'fetch', query: { userId: 'someone-else' } });
  t.equal(up.calls.length, 3);
  for (const c of up.calls) t.equal(c.authorization, undefined, `${c.path}?${c.query}: no credential`);
});

t.test('without a service token, an anonymous refresh never goes with another viewer\'s token; answers are not shared across credentials', async (t) => {
  const up = await startUpstream();
  const srv = await server(up);
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const aliceToken = await jwt({ sub: 'alice' });
  const alice = await srv.connect(PUBLIC, { headers: { authorization: `Bearer ${aliceToken}` } });
  const a = await alice.next('analytics-public-users.snapshot');
  t.equal(up.calls.at(-1)!.authorization, `Bearer ${aliceToken}`, 'alice\'s own connect goes with her token');
  t.equal(a.cached, false);
  const anon = await dashboard(srv, PUBLIC);
  const first = await anon.next('analytics-public-users.snapshot');
  t.equal(first.cached, false, 'the anonymous viewer is not served alice\'s answer');
  t.equal(up.calls.at(-1)!.authorization, undefined);
  await anon.request({ action: 'refresh' });
  t.equal(up.calls.at(-1)!.authorization, undefined, 'the anonymous refresh goes without credentials');

  const before = up.calls.length;
  srv.kernel.services.get('analytics').changed({ entity: 'users' });
  await Promise.all([alice.next((f) => f.action === 'update', 5000), anon.next((f) => f.action === 'update', 5000)]);
  const requeries = up.calls.slice(before);
  t.equal(requeries.length, 1, 'one re-query for the dashboard');
  t.equal(requeries[0]!.authorization, undefined, 'the re-query goes with no credential (no service token set), not alice\'s');
});

t.test('credential-like filters are refused, at the upgrade and in fetch', async (t) => {
  const up = await startUpstream();
  const srv = await server(up);
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const c = await dashboard(srv, PUBLIC);
  await c.next('analytics-public-users.snapshot');
  for (const name of ['token', 'access_token', 'AUTHORIZATION', 'Jwt']) {
    const r = await c.request({ action: 'fetch', query: { [name]: 'x' } });
    t.equal(r.code, 'INVALID_MESSAGE', `fetch ${name}`);
  }
  const refused = await srv.connect(`${PUBLIC}?access_token=x`).then(() => undefined, (err: { status?: number }) => err.status);
  t.equal(refused, 400, 'access_token at the upgrade → 400');
});
