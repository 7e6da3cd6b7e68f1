/**
 * The session lifecycle through a real server and real clients. Session time is a
 * ManualClock: deadlines pass when the test advances it, not after sleeping.
 */
import t from 'tap';
import { ManualClock, startTestServer, until, type TestServer } from '@actorwire/testing';
import type { Sessions } from '../src/sessions/registry.js';
import { headerAuth, miniRooms } from './fixtures/plugins.js';

/** The kernel's own session registry (with the actor of each session), not the plugin-facing interface. */
const sessionsOf = (srv: TestServer): Sessions => srv.kernel.services.get('sessions') as unknown as Sessions;

t.test('auth required: no identity → authenticating; only auth-exempt messages pass; deadline closes 4408', async (t) => {
  const clock = new ManualClock();
  const srv = await startTestServer({ plugins: [headerAuth], clock, config: { websocket: { authTimeout: 300 } } });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  t.equal(c.connected?.data.user_id, undefined, 'anonymous at connect');
  t.equal((await c.request({ type: 'ping' })).type, 'pong', 'ping is allowed before auth');
  clock.advance(290);
  t.equal((await c.request({ type: 'ping' })).type, 'pong', 'still open just before the deadline');
  clock.advance(10);
  const err = await c.next('error', 2000);
  t.equal(err.code, 'UNAUTHORIZED');
  t.equal(err.error, 'authentication timeout');
  t.equal((await c.closed).code, 4408);
  await until(() => sessionsOf(srv).count() === 0, 2000, 'session removed');
  t.pass('session removed');
});

t.test('authenticating then authenticated by message → ready; data messages refused before', async (t) => {
  const clock = new ManualClock();
  const srv = await startTestServer({ plugins: [headerAuth, miniRooms], clock, config: { websocket: { authTimeout: 500 } } });
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
  clock.advance(700);
  t.equal((await c.request({ type: 'ping' })).type, 'pong', 'no auth timeout once authenticated');
  t.equal(c.closeCode, undefined);
});

t.test('identity from the upgrade → ready at once, user_id in connected; bad credentials → 401 before upgrade', async (t) => {
  const srv = await startTestServer({ plugins: [headerAuth] });
  t.teardown(() => srv.stop());
  const c = await srv.connect('/ws', { headers: { 'x-user': 'alice' } });
  t.equal(c.connected?.data.user_id, 'alice');
  const sessions = sessionsOf(srv);
  t.equal([...sessions.all()][0]!.phase, 'ready');
  t.equal(sessions.ofUser('alice').size, 1);
  const { expectRefused } = await import('@actorwire/testing');
  const r = await expectRefused(`${srv.wsBase}/ws`, { headers: { 'x-user': 'bad' } });
  t.equal(r.status, 401);
  t.same(r.body, { error: 'invalid token', code: 'UNAUTHORIZED' });
});

t.test('token expiry mid-session → token expired + 4401; a refresh before expiry keeps it alive', async (t) => {
  const clock = new ManualClock();
  const srv = await startTestServer({ plugins: [headerAuth], clock });
  t.teardown(() => srv.stop());
  const expiring = await srv.connect('/ws', { headers: { 'x-user': 'bob', 'x-exp': '300' } });
  const refreshed = await srv.connect('/ws', { headers: { 'x-user': 'carol', 'x-exp': '300' } });
  const r = await refreshed.request({ type: 'login', user: 'carol', ttl: 5000 });
  t.equal(r.type, 'logged_in');
  const other = await refreshed.request({ type: 'login', user: 'mallory', ttl: 5000 });
  t.equal(other.code, 'UNAUTHORIZED');
  t.equal(other.error, 'token belongs to another user');
  clock.advance(290);
  t.equal((await expiring.request({ type: 'ping' })).type, 'pong', 'valid until its expiry');
  clock.advance(10);
  const err = await expiring.next('error', 2000);
  t.equal(err.error, 'token expired');
  t.equal(err.code, 'UNAUTHORIZED');
  t.equal((await expiring.closed).code, 4401);
  clock.advance(1000);
  t.equal((await refreshed.request({ type: 'ping' })).type, 'pong', 'refreshed session lives on past the old expiry');
  t.equal(refreshed.closeCode, undefined);
});

t.test('heartbeat: a silent client is pinged, then closed after pong wait; an answering one stays', async (t) => {
  const clock = new ManualClock();
  const srv = await startTestServer({ clock, config: { websocket: { pingInterval: 150, pongWait: 400 } } });
  t.teardown(() => srv.stop());
  const silent = await srv.connect();
  const alive = await srv.connect();
  const sessions = sessionsOf(srv);
  const aliveSession = [...sessions.all()].find((s) => s.id === alive.connected?.data.client_id)!;
  // Stop reading on the socket: no pong, as a dead peer.
  (silent.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  let pings = 0;
  alive.ws.on('ping', () => pings++);
  // Idle but answering WebSocket pings (ws answers automatically): pongs count as activity.
  const before = aliveSession.lastSeen;
  clock.advance(150);
  await until(() => pings === 1 && aliveSession.lastSeen > before, 2000, 'the first ping answered');
  t.equal(sessions.count(), 2, 'nobody closed before pong wait');
  // 400 ms after the silent one's last activity: it is closed; the answering one is pinged again.
  clock.advance(250);
  await until(() => sessions.count() === 1, 2000, 'the silent session closed');
  t.equal(sessions.count(), 1, 'the silent session was closed after pong wait');
  clock.advance(10);
  await until(() => pings === 2, 2000, 'the second ping');
  t.equal(pings, 2, 'the answering client is pinged once per idle period');
  t.equal(alive.closeCode, undefined, 'the answering client is untouched');
  t.equal((await alive.request({ type: 'ping' })).type, 'pong');
});

t.test('subscription limit per connection is owned by the actor', async (t) => {
  const srv = await startTestServer({ plugins: [miniRooms], config: { websocket: { maxSubscriptionsPerConnection: 2 } } });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  t.equal((await c.request({ type: 'join', room: 'a' })).type, 'joined');
  t.equal((await c.request({ type: 'join', room: 'b' })).type, 'joined');
  const full = await c.request({ type: 'join', room: 'c' });
  t.equal(full.code, 'TOO_MANY_SUBSCRIPTIONS');
  const s = [...sessionsOf(srv).all()][0]!;
  t.ok(s.actor.getSnapshot().matches({ ready: { subscriptions: 'full' } }));
  t.equal((await c.request({ type: 'join', room: 'a' })).type, 'joined', 'rejoining is idempotent');
  await srv.kernel.services.get('topics').unsubscribe(s, 'a');
  t.ok(s.actor.getSnapshot().matches({ ready: { subscriptions: 'open' } }));
  t.equal((await c.request({ type: 'join', room: 'c' })).type, 'joined');
});

t.test('close from the server side walks closing → closed and cleans up', async (t) => {
  const srv = await startTestServer({ plugins: [miniRooms] });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  await c.request({ type: 'join', room: 'x' });
  const s = [...sessionsOf(srv).all()][0]!;
  s.close(4403, 'bye');
  const closed = await c.closed;
  t.equal(closed.code, 4403);
  t.equal(closed.reason, 'bye');
  t.equal(s.phase, 'closed');
  t.equal(s.actor.getSnapshot().status, 'done');
  t.equal(srv.kernel.services.get('topics').localTopics().size, 0);
});
