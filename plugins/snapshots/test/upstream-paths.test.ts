/**
 * No value from outside can climb out of an upstream path template: every placeholder of the
 * snapshot templates, fed `..`, `.`, `%2e%2e`, `..%2f`, `\`, `%00` and friends, is refused
 * (INVALID_MESSAGE) or stays a segment under REST_BASE_URL's path. A detail request with such an
 * id never reaches the upstream.
 */
import t from 'tap';
import { Fetcher } from '../src/fetcher.js';
import { makeView } from '../src/view.js';
import { pathSegment } from '../src/upstream.js';
import { HOSTILE_SEGMENTS as HOSTILE, server, startUpstream, viewer } from './support.js';

const BASE = 'http://upstream.test/api/v2';

t.test('every placeholder of the snapshot templates, every hostile value: refused or under the base path', async (t) => {
  const templates = { listPath: '/{entity}/{section}/items', detailPath: '/{entity}/{section}/{id}' };
  const fetcher = new Fetcher({ restBaseUrl: BASE, restTimeout: 1000, maxBodyBytes: 1024, ...templates, paths: {} });
  for (const bad of HOSTILE) {
    for (const [field, view] of [
      ['id', makeView('restaurants', 'main', 'detail', bad, [])],
      ['section', makeView('restaurants', bad, 'list', undefined, [])],
      ['entity', makeView(bad, 'main', 'list', undefined, [])],
    ] as const) {
      let url: string | undefined;
      try {
        url = fetcher.url(view);
      } catch (err) {
        t.equal((err as { code?: string }).code, 'INVALID_MESSAGE', `${field}=${JSON.stringify(bad)} refused`);
        continue;
      }
      t.fail(`${field}=${JSON.stringify(bad)} was accepted as ${url}`);
    }
  }
  // Ordinary values pass, encoded.
  t.equal(fetcher.url(makeView('restaurants', 'main', 'detail', 'a b:c', [])), `${BASE}/restaurants/main/a%20b%3Ac`);
  t.equal(pathSegment('id', '..a'), '..a', 'dots inside a segment are fine');
});

t.test('a detail request with id ".." answers INVALID_MESSAGE and never reaches the upstream', async (t) => {
  const up = await startUpstream();
  const srv = await server(up);
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const c = await viewer(srv, '/ws/restaurants/main');
  for (const id of ['..', '%2e%2e', '..%2f', '.']) {
    const r = await c.request({ action: 'detail', data: { id } });
    t.equal(r.type, 'restaurants.error', id);
    t.equal(r.code, 'INVALID_MESSAGE', id);
  }
  t.equal(up.calls.length, 0, 'nothing was requested upstream');
  const ok = await c.request({ action: 'detail', data: { id: '7' } });
  t.equal(ok.type, 'restaurants.detail');
  t.equal(up.calls.at(-1)!.path, '/restaurants/7');
});
