/** POST /api/snapshots/changes: the same refresh as a Kafka record, for systems without Kafka. */
import t from 'tap';
import { jwt, server, startUpstream, viewer } from './support.js';

const post = async (base: string, body: unknown, token?: string) => {
  const res = await fetch(`${base}/api/snapshots/changes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

t.test('a change posted by a service refreshes the touched views and pushes them to their viewers only', async (t) => {
  const up = await startUpstream();
  const srv = await server(up, { snapshots: { refreshWindow: 50 } });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const a = await viewer(srv, '/ws/tables/A');
  const b = await viewer(srv, '/ws/tables/B');
  await a.request({ action: 'list' });
  await b.request({ action: 'list' });
  const service = await jwt({ sub: 'svc', role: 'service' });
  const r = await post(srv.httpBase, [{ entity: 'table', section: 'A' }, { entity: 'tables', section: 'A', id: 3 }], service);
  t.equal(r.status, 202);
  t.same(r.body, { accepted: 2 });
  const p = await a.next('tables.snapshot', 5000);
  t.equal(p.payload.version, 2);
  t.ok(await b.expectNone('tables.snapshot', 200));
  t.equal(up.count('/tables?section=A'), 2, 'one refresh for the two changes');
});

t.test('refused: no token 401, a client role 403, a bad change 400 (and nothing applied), bad JSON 400', async (t) => {
  const up = await startUpstream();
  const srv = await server(up, { snapshots: { refreshWindow: 20 } });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const a = await viewer(srv, '/ws/tables/A');
  await a.request({ action: 'list' });
  t.equal((await post(srv.httpBase, { entity: 'tables' })).status, 401);
  t.equal((await post(srv.httpBase, { entity: 'tables' }, await jwt({ role: 'client' }))).status, 403);
  const admin = await jwt({ role: 'admin' });
  let r = await post(srv.httpBase, [{ entity: 'tables', section: 'A' }, { entity: 'spaceships' }], admin);
  t.equal(r.status, 400);
  t.equal(r.body.code, 'INVALID_MESSAGE');
  t.match(r.body.error, /change 1: unknown entity "spaceships"/);
  r = await post(srv.httpBase, { entity: 'tables', section: 'bad section' }, admin);
  t.equal(r.status, 400);
  r = await post(srv.httpBase, '{"entity":', admin);
  t.equal(r.status, 400);
  t.equal(r.body.code, 'INVALID_JSON');
  t.ok(await a.expectNone('tables.snapshot', 150), 'the valid half of a rejected request was not applied');
  t.equal(up.calls.length, 1);
});

t.test('passive: every session of the section gets its default view (with the configured query), once per change', async (t) => {
  const up = await startUpstream();
  const srv = await server(up, { snapshots: { refreshWindow: 20, passiveQuery: 'limit=20&page=1' } });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const quiet = await viewer(srv, '/ws/tables/A'); // never asks
  const lister = await viewer(srv, '/ws/tables/A');
  const other = await viewer(srv, '/ws/tables/B');
  await lister.request({ action: 'list', query: { status: 'open' } });
  const service = await jwt({ sub: 'svc', role: 'service' });
  t.equal((await post(srv.httpBase, { entity: 'tables', section: 'A' }, service)).status, 202);
  const passive = await quiet.next('tables.snapshot', 5000);
  t.same(passive.query, { limit: '20', page: '1' }, 'the default view, with the passive query');
  t.equal(passive.payload.version, 1, 'fetched for the change: nobody had asked for it');
  const both = [await lister.next('tables.snapshot', 5000), await lister.next('tables.snapshot', 5000)].map((f) => JSON.stringify(f.query)).sort();
  t.same(both, ['{"limit":"20","page":"1"}', '{"status":"open"}'], 'a session that asked gets its own view refreshed, and the default view as a session of A');
  t.equal(up.count('/tables?section=A&limit=20&page=1'), 1, 'one upstream call for the default view');
  t.ok(await quiet.expectNone('tables.snapshot', 200), 'once per change');
  t.ok(await other.expectNone('tables.snapshot', 50), 'section B untouched');
});
