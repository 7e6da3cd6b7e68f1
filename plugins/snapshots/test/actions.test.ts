/** Actions and their answers: aliases, query pass-through, payload verbatim, every error code, plugin actions. */
import t from 'tap';
import { definePlugin } from '@actorwire/core';
import type {} from '../src/index.js';
import { SnapshotError } from '../src/index.js';
import { captureLogs, server, startUpstream, viewer } from './support.js';

t.test('list and detail, with every alias, answer on .list / .detail with the request id', async (t) => {
  const up = await startUpstream();
  const srv = await server(up);
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const c = await viewer(srv, '/ws/restaurants/main-hall');
  for (const action of ['list', 'fetch_all', 'list_restaurants', 'list_restaurant']) {
    const f = await c.request({ action });
    t.equal(f.type, 'restaurants.list', action);
    t.equal(f.action, action);
    t.equal(up.calls.at(-1)!.path, '/restaurants');
  }
  const viaType = await c.request({ type: 'fetch_all' });
  t.equal(viaType.type, 'restaurants.list', 'the canonical `type` works as well as `action`');
  for (const action of ['detail', 'fetch_one', 'get_restaurants', 'get_restaurant']) {
    const f = await c.request({ action, data: { id: 'r-7' } });
    t.equal(f.type, 'restaurants.detail', action);
    t.equal(f.entity_id, 'r-7');
    t.equal(up.calls.at(-1)!.path, '/restaurants/r-7');
  }
  // The entity dialect puts the entity id in `id`: it is also the reply's correlation id.
  const byId = await c.request({ action: 'get_restaurants', id: '42' });
  t.equal(byId.entity_id, '42');
  t.equal(byId.id, '42');
  t.equal(up.calls.at(-1)!.path, '/restaurants/42');
});

t.test('query and pagination parameters are passed through; the same query in another order is the same view', async (t) => {
  const up = await startUpstream();
  const srv = await server(up);
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const c = await viewer(srv, '/ws/tables/terrace');
  const f = await c.request({ action: 'list', query: { status: 'free', seats: 4, tag: ['a', 'b'], empty: '' }, page: 2, limit: 20 });
  const call = up.calls.at(-1)!;
  t.equal(call.query.get('section'), 'terrace');
  t.equal(call.query.get('status'), 'free');
  t.equal(call.query.get('seats'), '4');
  t.same(call.query.getAll('tag'), ['a', 'b']);
  t.equal(call.query.get('page'), '2');
  t.equal(call.query.get('limit'), '20');
  t.notOk(call.query.has('empty'), 'an empty value removes the filter');
  t.same(f.query, { limit: '20', page: '2', seats: '4', status: 'free', tag: ['a', 'b'] });
  const again = await c.request({ action: 'list', limit: 20, page: 2, query: { tag: ['a', 'b'], seats: '4', status: 'free' } });
  t.equal(again.cached, true, 'served from the cache');
  t.equal(up.calls.length, 1);
});

t.test('the payload is the upstream body verbatim; metadata is null', async (t) => {
  const up = await startUpstream();
  const body = '{"items":[{"id":1,"name":"Caf\\u00e9 \\"Z\\"","price":1.50,"big":12345678901234567890}],"next":null}';
  up.answer = () => ({ body });
  const srv = await server(up);
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const c = await viewer(srv, '/ws/menus/m1');
  const raw = new Promise<string>((resolve) => c.ws.once('message', (d) => resolve(d.toString())));
  c.send({ action: 'list', id: 'v1' });
  const text = await raw;
  t.ok(text.includes(`"payload":${body},"metadata":null`), 'the bytes of the body, spliced in unchanged');
  const f = JSON.parse(text);
  t.equal(f.metadata, null);
  t.same(f.payload, JSON.parse(body));
});

t.test('errors: upstream timeout, upstream 500, 404, a body that is not JSON, bad requests — each on .error with a code', async (t) => {
  const up = await startUpstream();
  up.answer = (call) => {
    if (call.path === '/dishes/slow') return { body: '{}', delayMs: 1500 };
    if (call.path === '/dishes/broken') return { status: 500, body: '{"error":"db down"}' };
    if (call.path === '/dishes/gone') return { status: 404, body: '{}' };
    if (call.path === '/dishes/garbage') return { body: '<html>oops</html>' };
    return { body: '{"ok":true}' };
  };
  const srv = await server(up, { snapshots: { restTimeout: 300 } });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const c = await viewer(srv, '/ws/dishes/kitchen');

  const cases: Array<[Record<string, unknown>, string, number | undefined, RegExp]> = [
    [{ action: 'detail', data: { id: 'slow' } }, 'UPSTREAM_TIMEOUT', undefined, /within 300 ms/],
    [{ action: 'detail', data: { id: 'broken' } }, 'UPSTREAM_ERROR', 500, /answered 500/],
    [{ action: 'detail', data: { id: 'gone' } }, 'NOT_FOUND', 404, /dishes gone not found/],
    [{ action: 'detail', data: { id: 'garbage' } }, 'UPSTREAM_ERROR', 200, /not JSON/],
    [{ action: 'list', query: 'nope' }, 'INVALID_MESSAGE', undefined, /query must be an object/],
    [{ action: 'list', query: { deep: { x: 1 } } }, 'INVALID_MESSAGE', undefined, /deep must be a string, number or boolean/],
    [{ action: 'list_restaurants' }, 'INVALID_MESSAGE', undefined, /list_restaurants is an action of restaurants; this connection serves dishes/],
  ];
  let n = 0;
  for (const [msg, code, status, error] of cases) {
    const id = `e${n++}`;
    const f = await c.request({ ...msg, id });
    t.equal(f.type, 'dishes.error', `${code}: type`);
    t.equal(f.topic, 'dishes.error');
    t.equal(f.code, code);
    t.equal(f.status, status, `${code}: upstream status`);
    t.match(f.error, error);
    t.equal(f.section, 'kitchen');
  }
  // Without any id (the entity dialect's `id` is also the entity id), a detail cannot be answered.
  c.send({ action: 'detail' });
  const noId = await c.next('dishes.error');
  t.equal(noId.code, 'INVALID_MESSAGE');
  t.match(noId.error, /id is required/);
  t.equal(noId.id, undefined);
  const tooMany = await c.request({ action: 'list', query: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i])) });
  t.equal(tooMany.code, 'INVALID_MESSAGE');
  t.match(tooMany.error, /at most 32 query parameters/);
  // Unknown actions are the kernel's: an error frame, session open.
  const unknown = await c.request({ action: 'explode' });
  t.equal(unknown.type, 'error');
  t.equal(unknown.code, 'UNKNOWN_TYPE');
  const ok = await c.request({ action: 'detail', data: { id: 'fine' } });
  t.equal(ok.type, 'dishes.detail', 'the session is still served');
});

t.test('an upstream that cannot be reached is UPSTREAM_ERROR', async (t) => {
  const up = await startUpstream();
  const url = up.url;
  await up.close();
  const srv = await server({ ...up, url });
  t.teardown(() => srv.stop());
  const c = await viewer(srv, '/ws/restaurants/x');
  const f = await c.request({ action: 'list' });
  t.equal(f.code, 'UPSTREAM_ERROR');
  t.match(f.error, /could not be reached/);
  const health = (await (await fetch(`${srv.httpBase}/health`)).json()) as { components: Record<string, { status: string; detail?: string }> };
  t.equal(health.components.snapshots!.status, 'degraded');
  t.match(health.components.snapshots!.detail, /UPSTREAM_ERROR/);
});

t.test('URL templates per entity and defaults from configuration', async (t) => {
  const up = await startUpstream();
  const srv = await server(up, {
    snapshots: { listPath: '/v2/{entity}/by-section/{section}', paths: { users: { list: '/people?hall={section}', detail: '/people/{id}?hall={section}' } } },
  });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const r = await viewer(srv, '/ws/restaurants/a b'.replace(' ', '-'));
  await r.request({ action: 'list' });
  t.equal(up.calls.at(-1)!.path, '/v2/restaurants/by-section/a-b');
  const u = await viewer(srv, '/ws/users/h1');
  await u.request({ action: 'list', page: 3 });
  t.equal(up.calls.at(-1)!.path, '/people');
  t.equal(up.calls.at(-1)!.query.toString(), 'hall=h1&page=3');
  await u.request({ action: 'get_user', data: { id: 'a b:c' } });
  t.equal(up.calls.at(-1)!.path, '/people/a%20b%3Ac', 'ids are encoded into the path');
  // A separator in an id could climb the path on an upstream that decodes %2F: refused.
  t.equal((await u.request({ action: 'get_user', data: { id: 'a/b' } })).code, 'INVALID_MESSAGE', 'an id with a slash is refused');
});

t.test('other plugins add actions for an entity through the snapshots service', async (t) => {
  const up = await startUpstream();
  const stats = definePlugin({
    name: 'table-stats',
    version: '1.0.0',
    kernel: '^0.2.0',
    requires: ['snapshots'],
    register(ctx) {
      const snaps = ctx.services.get('snapshots');
      snaps.defineAction('table', 'occupancy', async (req) => {
        const list = await req.snapshot('list');
        const body = JSON.parse(list.snapshot.json) as { version: number };
        return { section: req.section, basedOn: body.version, query: Object.fromEntries(req.query) };
      });
      snaps.defineAction('tables', 'explode', () => { throw new SnapshotError('UPSTREAM_ERROR', 'custom failure', 503); });
      snaps.defineAction('*', 'whoami', (req) => ({ user: req.session.userId, entity: req.entity }));
    },
  });
  const srv = await server(up, { after: [stats] });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const c = await viewer(srv, '/ws/tables/patio');
  const f = await c.request({ action: 'occupancy', query: { floor: 1 } });
  t.equal(f.type, 'tables.occupancy');
  t.equal(f.topic, 'tables.occupancy');
  t.same(f.payload, { section: 'patio', basedOn: 1, query: { floor: '1' } });
  const e = await c.request({ action: 'explode' });
  t.equal(e.type, 'tables.error');
  t.equal(e.code, 'UPSTREAM_ERROR');
  t.equal(e.status, 503);
  const w = await c.request({ action: 'whoami' });
  t.same(w.payload, { user: 'u1', entity: 'tables' });
  const other = await viewer(srv, '/ws/restaurants/patio');
  const no = await other.request({ action: 'occupancy' });
  t.equal(no.type, 'restaurants.error');
  t.match(no.error, /occupancy is not available for restaurants/);
  t.same((await other.request({ action: 'whoami' })).payload, { user: 'u1', entity: 'restaurants' });
});

t.test('a bug in a plugin action answers INTERNAL_ERROR on .error and is logged; the session stays', async (t) => {
  const up = await startUpstream();
  const buggy = definePlugin({
    name: 'buggy', version: '1.0.0', kernel: '^0.2.0', requires: ['snapshots'],
    register(ctx) {
      ctx.services.get('snapshots').defineAction('*', 'boom', () => { throw new TypeError('undefined is not a function'); });
    },
  });
  const logs = captureLogs();
  const srv = await server(up, { after: [buggy], logger: logs.logger });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const c = await viewer(srv, '/ws/tables/patio');
  const e = await c.request({ action: 'boom' });
  const line = logs.text().split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.msg === 'snapshot action failed');
  t.ok(line, 'logged');
  t.match(line.err.message, /undefined is not a function/);
  t.equal(line.action, 'boom');
  t.equal(e.type, 'tables.error');
  t.equal(e.code, 'INTERNAL_ERROR');
  t.notMatch(e.error, /undefined is not a function/, 'internals are not told to the client');
  t.equal((await c.request({ action: 'list' })).type, 'tables.list');
});
