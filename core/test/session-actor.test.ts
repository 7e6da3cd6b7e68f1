import t from 'tap';
import { startTestServer } from '../src/testing/index.js';
import { headerAuth, miniRooms } from './fixtures/plugins.js';

t.test('auth required: no identity → authenticating; only auth-exempt messages pass; deadline closes 4408', async (t) => {
  const srv = await startTestServer({ plugins: [headerAuth], config: { websocket: { authTimeout: 300 } } });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  t.equal(c.connected?.data.user_id, undefined, 'anonymous at connect');
  t.equal((await c.request({ type: 'ping' })).type, 'pong', 'ping is allowed before auth');
  const started = Date.now();
  const err = await c.next('error', 2000);
  t.equal(err.code, 'UNAUTHORIZED');
  t.equal(err.error, 'authentication timeout');
  const closed = await c.closed;
  t.equal(closed.code, 4408);
  t.ok(Date.now() - started < 1500, 'closed at the deadline');
  t.equal(srv.kernel.container.resolve('sessions').count(), 0, 'session removed');
});

t.test('authenticating then authenticated by message → ready; data messages refused before', async (t) => {
  const srv = await startTestServer({ plugins: [headerAuth, miniRooms], config: { websocket: { authTimeout: 500 } } });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  const refused = await c.request({ type: 'join', room: 'r' });
  t.equal(refused.code, 'UNAUTHORIZED');
  t.equal(refused.error, 'authentication required');
  const bad = await c.request({ type: 'login', user: 'bad' });
  t.equal(bad.code, 'UNAUTHORIZED', 'a failed attempt is reported, the session may retry');
  const ok = await c.request({ type: 'login', user: 'u1' });
  t.equal(ok.type, 'logged_in');
  const joined = await c.request({ type: 'join', room: 'r' });
  t.equal(joined.type, 'joined');
  await new Promise((r) => setTimeout(r, 700));
  t.equal(c.closeCode, undefined, 'no auth timeout once authenticated');
});

t.test('identity from the upgrade → ready at once, user_id in connected; bad credentials → 401 before upgrade', async (t) => {
  const srv = await startTestServer({ plugins: [headerAuth] });
  t.teardown(() => srv.stop());
  const c = await srv.connect('/ws', { headers: { 'x-user': 'alice' } });
  t.equal(c.connected?.data.user_id, 'alice');
  const sessions = srv.kernel.container.resolve('sessions');
  t.equal([...sessions.all()][0].phase, 'ready');
  t.equal(sessions.ofUser('alice').size, 1);
  const { expectRefused } = await import('../src/testing/index.js');
  const r = await expectRefused(`${srv.wsBase}/ws`, { headers: { 'x-user': 'bad' } });
  t.equal(r.status, 401);
  t.same(r.body, { error: 'invalid token', code: 'UNAUTHORIZED' });
});

t.test('token expiry mid-session → token expired + 4401; a refresh before expiry keeps it alive', async (t) => {
  const srv = await startTestServer({ plugins: [headerAuth] });
  t.teardown(() => srv.stop());
  const expiring = await srv.connect('/ws', { headers: { 'x-user': 'bob', 'x-exp': '300' } });
  const refreshed = await srv.connect('/ws', { headers: { 'x-user': 'carol', 'x-exp': '300' } });
  const r = await refreshed.request({ type: 'login', user: 'carol', ttl: 5000 });
  t.equal(r.type, 'logged_in');
  const other = await refreshed.request({ type: 'login', user: 'mallory', ttl: 5000 });
  t.equal(other.code, 'UNAUTHORIZED');
  t.equal(other.error, 'token belongs to another user');
  const err = await expiring.next('error', 2000);
  t.equal(err.error, 'token expired');
  t.equal(err.code, 'UNAUTHORIZED');
  t.equal((await expiring.closed).code, 4401);
  await new Promise((r) => setTimeout(r, 300));
  t.equal(refreshed.closeCode, undefined, 'refreshed session lives on');
  t.equal((await refreshed.request({ type: 'ping' })).type, 'pong');
});

t.test('heartbeat: a silent client is pinged, then closed after pong wait; an answering one stays', async (t) => {
  const srv = await startTestServer({ config: { websocket: { pingInterval: 150, pongWait: 400 } } });
  t.teardown(() => srv.stop());
  const silent = await srv.connect();
  const alive = await srv.connect();
  // Stop reading on the socket: no pong, as a dead peer.
  (silent.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  let pings = 0;
  alive.ws.on('ping', () => pings++);
  const started = Date.now();
  const keep = setInterval(() => alive.send({ type: 'ping' }), 100);
  t.teardown(() => clearInterval(keep));
  const sessions = srv.kernel.container.resolve('sessions');
  while (sessions.count() > 1 && Date.now() - started < 3000) await new Promise((r) => setTimeout(r, 25));
  t.equal(sessions.count(), 1, 'the silent session was closed');
  t.ok(Date.now() - started >= 350, 'not before pong wait');
  t.equal(alive.closeCode, undefined, 'the active client is untouched');
  clearInterval(keep);
  // Idle but answering WebSocket pings (ws answers automatically) keeps it alive too.
  await new Promise((r) => setTimeout(r, 700));
  t.equal(alive.closeCode, undefined, 'pong frames count as activity');
  t.ok(pings >= 1, 'the server pinged the idle client');
});

t.test('subscription limit per connection is owned by the actor', async (t) => {
  const srv = await startTestServer({ plugins: [miniRooms], config: { websocket: { maxSubscriptionsPerConnection: 2 } } });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  t.equal((await c.request({ type: 'join', room: 'a' })).type, 'joined');
  t.equal((await c.request({ type: 'join', room: 'b' })).type, 'joined');
  const full = await c.request({ type: 'join', room: 'c' });
  t.equal(full.code, 'TOO_MANY_SUBSCRIPTIONS');
  const s = [...srv.kernel.container.resolve('sessions').all()][0];
  t.ok(s.actor.getSnapshot().matches({ ready: { subscriptions: 'full' } }));
  t.equal((await c.request({ type: 'join', room: 'a' })).type, 'joined', 'rejoining is idempotent');
  await srv.kernel.container.resolve('topics').unsubscribe(s, 'a');
  t.ok(s.actor.getSnapshot().matches({ ready: { subscriptions: 'open' } }));
  t.equal((await c.request({ type: 'join', room: 'c' })).type, 'joined');
});

t.test('close from the server side walks closing → closed and cleans up', async (t) => {
  const srv = await startTestServer({ plugins: [miniRooms] });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  await c.request({ type: 'join', room: 'x' });
  const s = [...srv.kernel.container.resolve('sessions').all()][0];
  s.close(4403, 'bye');
  const closed = await c.closed;
  t.equal(closed.code, 4403);
  t.equal(closed.reason, 'bye');
  t.equal(s.phase, 'closed');
  t.equal(s.actor.getSnapshot().status, 'done');
  t.equal(srv.kernel.container.resolve('topics').localTopics().size, 0);
});
