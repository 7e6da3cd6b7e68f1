/** The cache: single flight, TTL, the LRU bound, stale-while-revalidate, and its metrics. */
import t from 'tap';
import { sleep, until } from '@actorwire/testing';
import { server, startUpstream, viewer } from './support.js';

t.test('single flight: 100 sessions asking for the same view while it is fetched cause one upstream call', async (t) => {
  const up = await startUpstream();
  up.answer = () => ({ body: '{"rows":[1,2,3]}', delayMs: 300 });
  const srv = await server(up);
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const clients = await Promise.all(Array.from({ length: 100 }, () => viewer(srv, '/ws/restaurants/main-hall')));
  const answers = await Promise.all(clients.map((c) => c.request({ action: 'list', page: 1 }, 3000)));
  const got = answers;
  t.equal(got.length, 100, 'every session got an answer');
  t.equal(up.calls.length, 1, 'one upstream call');
  t.ok(got.every((f) => f.type === 'restaurants.list' && f.payload.rows.length === 3), 'every answer is the snapshot');
  t.equal(got.filter((f) => f.cached === false).length, 1, 'one request caused the fetch, the others shared it');
  // A different view is a different call.
  await clients[0]!.request({ action: 'list', page: 2 });
  t.equal(up.calls.length, 2);
  for (const c of clients) c.terminate();
});

t.test('single flight shares failures too, and a failure is not cached', async (t) => {
  const up = await startUpstream();
  let fail = true;
  up.answer = () => (fail ? { status: 502, body: '{}', delayMs: 200 } : { body: '{"ok":1}' });
  const srv = await server(up);
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const clients = await Promise.all(Array.from({ length: 10 }, () => viewer(srv, '/ws/restaurants/x')));
  const answers = await Promise.all(clients.map((c) => c.request({ action: 'list' })));
  t.equal(up.calls.length, 1);
  t.ok(answers.every((f) => f.code === 'UPSTREAM_ERROR' && f.status === 502));
  fail = false;
  const ok = await clients[0]!.request({ action: 'list' });
  t.same(ok.payload, { ok: 1 }, 'the next request fetched again');
  t.equal(up.calls.length, 2);
});

t.test('TTL: fresh within it, fetched again after it', async (t) => {
  const up = await startUpstream();
  const srv = await server(up, { snapshots: { cacheTtl: 300 } });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const c = await viewer(srv, '/ws/menus/m');
  t.equal((await c.request({ action: 'list' })).payload.version, 1);
  const hit = await c.request({ action: 'list' });
  t.equal(hit.payload.version, 1);
  t.equal(hit.cached, true);
  await sleep(350);
  const after = await c.request({ action: 'list' });
  t.equal(after.payload.version, 2, 'expired: fetched again');
  t.equal(after.cached, false);
  t.equal(up.calls.length, 2);
});

t.test('cacheTtl 0 turns caching off (concurrent requests still share one call)', async (t) => {
  const up = await startUpstream();
  up.answer = () => ({ body: '{}', delayMs: 100 });
  const srv = await server(up, { snapshots: { cacheTtl: 0 } });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const c = await viewer(srv, '/ws/menus/m');
  await Promise.all([c.request({ action: 'list' }), c.request({ action: 'list' })]);
  t.equal(up.calls.length, 1);
  await c.request({ action: 'list' });
  t.equal(up.calls.length, 2, 'nothing kept');
});

t.test('LRU: at most cacheMaxEntries views; the least recently used goes first', async (t) => {
  const up = await startUpstream();
  const srv = await server(up, { snapshots: { cacheMaxEntries: 2 } });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const c = await viewer(srv, '/ws/menus/m');
  const get = (page: number) => c.request({ action: 'list', page });
  await get(1);
  await get(2);
  await get(1); // 1 is now the most recent
  await get(3); // evicts 2
  t.equal(up.calls.length, 3);
  t.equal((await get(1)).cached, true, 'page 1 kept');
  t.equal((await get(3)).cached, true, 'page 3 kept');
  t.equal((await get(2)).cached, false, 'page 2 was evicted');
  t.equal(up.calls.length, 4);
});

t.test('stale-while-revalidate: an expired snapshot is served flagged stale while one refresh runs', async (t) => {
  const up = await startUpstream();
  const srv = await server(up, { snapshots: { cacheTtl: 200, staleWhileRevalidate: true } });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const c = await viewer(srv, '/ws/menus/m');
  t.equal((await c.request({ action: 'list' })).payload.version, 1);
  await sleep(250);
  const stale = await c.request({ action: 'list' });
  t.equal(stale.stale, true);
  t.equal(stale.payload.version, 1, 'the old snapshot, at once');
  await until(() => up.calls.length === 2, 2000, 'the background refresh');
  await until(async () => (await c.request({ action: 'list' })).payload.version === 2, 2000, 'the refreshed snapshot is served');
  t.equal(up.calls.length, 2);
});

t.test('metrics: cache hits and misses, upstream calls, latency and errors on /metrics', async (t) => {
  const up = await startUpstream();
  up.answer = (call) => (call.path.endsWith('/bad') ? { status: 500, body: '{}' } : { body: '{}' });
  const srv = await server(up);
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const c = await viewer(srv, '/ws/menus/m');
  await c.request({ action: 'list' });
  await c.request({ action: 'list' });
  await c.request({ action: 'detail', data: { id: 'bad' } });
  const text = await (await fetch(`${srv.httpBase}/metrics`)).text();
  const value = (re: RegExp) => Number(re.exec(text)?.[1]);
  t.equal(value(/actorwire_snapshots_cache_requests(?:_total)?\{[^}]*result="hit"[^}]*\} (\d+)/), 1);
  t.equal(value(/actorwire_snapshots_cache_requests(?:_total)?\{[^}]*result="miss"[^}]*\} (\d+)/), 2);
  t.equal(value(/actorwire_snapshots_upstream_calls(?:_total)?(?:\{[^}]*\})? (\d+)/), 2);
  t.equal(value(/actorwire_snapshots_upstream_errors(?:_total)?\{[^}]*code="UPSTREAM_ERROR"[^}]*\} (\d+)/), 1);
  t.match(text, /actorwire_snapshots_upstream_seconds_bucket\{[^}]*outcome="ok"/);
});
