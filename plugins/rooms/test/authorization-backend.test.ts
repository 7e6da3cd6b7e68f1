/** The realtime service's runtime check: BACKEND_URL replaces the claims policies. */
import t from 'tap';
import type { TestClient } from '@actorwire/testing';
import { server } from './support/helpers.js';
import { seedRules, startBackend } from './support/backend.js';

async function outcome(c: TestClient, room: string): Promise<string> {
  const f = await c.request({ type: 'subscribe', room }, 8000);
  return f.type === 'subscribed' ? 'allowed' : `${f.code}`;
}

t.test('backend decides: allowed, denied, endpoints and query strings', async (t) => {
  const backend = await startBackend(seedRules);
  t.teardown(() => backend.close());
  // A path prefix on BACKEND_URL is kept.
  const srv = await server({ auth: true, rooms: { backendUrl: backend.url + '/', backendTimeout: 500 } });
  t.teardown(() => srv.stop());

  const owner = await srv.as({ sub: '1', role: 'client' });
  const stranger = await srv.as({ sub: '2', role: 'client' });
  const seller = await srv.as({ sub: '3', role: 'seller', seller_id: '9' });
  const admin = await srv.as({ sub: '5', role: 'admin' });

  t.equal(await outcome(owner, 'order-1'), 'allowed');
  t.equal(await outcome(stranger, 'order-1'), 'FORBIDDEN');
  t.equal(await outcome(seller, 'seller-9'), 'allowed');
  t.equal(await outcome(stranger, 'seller-9'), 'FORBIDDEN');
  t.equal(await outcome(admin, 'order-1'), 'FORBIDDEN', 'the backend is the authority, admins included');
  t.equal(await outcome(stranger, 'chat'), 'allowed');
  t.equal(await outcome(stranger, 'secret'), 'FORBIDDEN');
  t.equal(await outcome(stranger, 'room@x.y'), 'allowed');

  t.same(backend.requests, [
    'GET /orders/1/can_access?user_id=1',
    'GET /orders/1/can_access?user_id=2',
    'GET /sellers/9/can_access?user_id=3',
    'GET /sellers/9/can_access?user_id=2',
    'GET /orders/1/can_access?user_id=5',
    'GET /ws/can_join?room=chat&user_id=2',
    'GET /ws/can_join?room=secret&user_id=2',
    'GET /ws/can_join?room=room%40x.y&user_id=2',
  ]);
});

t.test('backend failures deny: slow (timeout), 500, bad JSON, wrong shape, unreachable', async (t) => {
  const backend = await startBackend(seedRules);
  t.teardown(() => backend.close());
  const srv = await server({ auth: true, rooms: { backendUrl: backend.url, backendTimeout: 300 } });
  t.teardown(() => srv.stop());
  const c = await srv.as({ sub: '2' });

  const started = Date.now();
  t.equal(await outcome(c, 'slow'), 'FORBIDDEN', 'slow backend → denied at the timeout');
  const took = Date.now() - started;
  t.ok(took >= 290 && took < 2000, `denied after the 300 ms timeout (took ${took} ms)`);

  t.equal(await outcome(c, 'broken'), 'FORBIDDEN', 'HTTP 500 → denied');
  t.equal(await outcome(c, 'garbage'), 'FORBIDDEN', 'not JSON → denied');
  t.equal(await outcome(c, 'stringly'), 'FORBIDDEN', '{"allowed":"yes"} → denied');
  t.equal(await outcome(c, 'chat'), 'allowed', 'and the next answer works');

  const down = await server({ auth: true, rooms: { backendUrl: 'http://127.0.0.1:1', backendTimeout: 300 } });
  t.teardown(() => down.stop());
  t.equal(await outcome(await down.as({ sub: '2' }), 'chat'), 'FORBIDDEN', 'unreachable backend → denied');
});

t.test('anonymous sessions with a backend', async (t) => {
  const backend = await startBackend(seedRules);
  t.teardown(() => backend.close());
  const srv = await server({ rooms: { backendUrl: backend.url, backendTimeout: 500 } });
  t.teardown(() => srv.stop());
  const anon = await srv.connect();
  t.equal(await outcome(anon, 'order-1'), 'FORBIDDEN', 'order rooms: never anonymous, backend not asked');
  t.equal(await outcome(anon, 'chat'), 'allowed');
  t.same(backend.requests, ['GET /ws/can_join?room=chat&user_id=']);
});
