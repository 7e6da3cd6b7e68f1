/**
 * The client against a real server (auth + rooms) over real sockets: rooms and requests, the
 * server restarted under it (reconnect, resubscribe, queued publishes delivered), token refresh
 * before expiry, terminal close codes, and a connection that dies silently (heartbeat).
 */
import t from 'tap';
import { ActorwireClientError, type BaseFrame } from '../src/index.js';
import { client, freePort, jwt, next, proxy, server } from './support.js';

t.test('rooms, requests and errors: frames as the protocol says', async (t) => {
  const srv = await server();
  t.teardown(() => srv.stop());
  const alice = client({ url: `${srv.wsBase}/ws`, token: () => jwt('alice') });
  const bob = client({ url: `${srv.wsBase}/ws`, token: await jwt('bob'), tokenIn: 'query' });
  t.teardown(() => { alice.close(); bob.close(); });
  const connected = next(alice, 'connected');
  await Promise.all([alice.connect(), bob.connect()]);
  t.match(await connected, { clientId: /.+/, userId: 'alice', reconnected: false }, 'token sent in the auth message after connected');
  t.equal(bob.userId, 'bob', 'token in the query at the upgrade');

  const got: BaseFrame[] = [];
  const leave = alice.subscribe('lobby', (f) => got.push(f));
  const ack = await leave.ready;
  t.match(ack, { type: 'subscribed', room: 'lobby', data: { room: 'lobby', client_count: 1 } });
  await bob.subscribe('lobby', () => undefined).ready;
  bob.publish('lobby', { text: 'hi' });
  await t.resolves(until(() => got.some((f) => f.type === 'message')));
  t.match(got.find((f) => f.type === 'message'), { type: 'message', room: 'lobby', data: { text: 'hi' }, user_id: 'bob', message_id: /.+/, timestamp: Number });

  t.match(await alice.request({ type: 'ping' }), { type: 'pong' }, 'request → answer with the same id');
  const refused = await alice.request({ type: 'subscribe', room: 'bad room!' }).catch((e: unknown) => e);
  t.ok(refused instanceof ActorwireClientError);
  t.equal((refused as ActorwireClientError).code, 'INVALID_MESSAGE', 'an error frame rejects with its code');
  const silent = await alice.request({ type: 'publish', room: 'lobby', data: 1 }, 200).catch((e: unknown) => e);
  t.equal((silent as ActorwireClientError).code, 'TIMEOUT', 'no answer: TIMEOUT after the request timeout');

  leave();
  t.same(alice.subscriptions, []);
  got.length = 0;
  await until(async () => (await bob.request({ type: 'ping' })).type === 'pong');
  bob.publish('lobby', { text: 'gone?' });
  await bob.request({ type: 'ping' });
  await new Promise((r) => setTimeout(r, 50));
  t.same(got, [], 'unsubscribed: nothing more arrives');
});

t.test('server restart: reconnects, resubscribes, delivers what was published meanwhile; reconnect time measured', async (t) => {
  // An explicit port: uWebSockets.js sets SO_REUSEADDR only then, and the restart must bind it
  // again while the old server's closed connections are in TIME_WAIT (as a production restart does).
  const port = await freePort();
  let srv = await server(port);
  t.teardown(() => srv.stop());
  const c = client({ url: `${srv.wsBase}/ws`, token: () => jwt('carol') });
  t.teardown(() => c.close());
  await c.connect();
  const frames: BaseFrame[] = [];
  await c.subscribe('news', (f) => frames.push(f)).ready;

  const down = next(c, 'disconnected');
  await srv.stop();
  const d = await down;
  t.match(d, { code: 1012, willReconnect: true }, 'the server said it was restarting; the client will be back');
  const lostAt = Date.now();
  c.publish('news', { queued: true }); // while disconnected: kept
  srv = await restartOn(port);
  const back = await next(c, 'connected', 10_000);
  const reconnectMs = Date.now() - lostAt;
  t.ok(back.reconnected, 'a reconnect');
  t.comment(`reconnect after the restart: ${reconnectMs} ms after the server came back (backoff 50–200 ms)`);

  const other = client({ url: `${srv.wsBase}/ws`, token: await jwt('dave') });
  t.teardown(() => other.close());
  await other.connect();
  await until(() => srv.kernel.services.get('topics').localCount('news') === 1);
  t.pass('resubscribed to news by itself');
  await other.subscribe('news', () => undefined).ready;
  other.publish('news', { after: 'restart' });
  await until(() => frames.some((f) => (f.data as { after?: string })?.after === 'restart'));
  t.ok(frames.some((f) => (f.data as { queued?: boolean })?.queued === true), 'the publish made while disconnected was sent once back');
});

t.test('token refresh before expiry through the callback; the session is never closed', async (t) => {
  const srv = await server();
  t.teardown(() => srv.stop());
  let calls = 0;
  const c = client({ url: `${srv.wsBase}/ws`, token: () => (calls++, jwt('erin', 3)), refreshBeforeExpiry: 2500 });
  t.teardown(() => c.close());
  const first = next(c, 'authenticated');
  await c.connect();
  const a = await first;
  t.ok(a.expiresAt !== null && a.expiresAt > Date.now(), 'expires_at from the server');
  const refreshed = await next(c, 'authenticated', 5000);
  t.ok(calls >= 2, 'the callback was asked again before expiry');
  t.ok(refreshed.expiresAt! >= a.expiresAt!, 'a new expiry');
  const disconnected = await next(c, 'disconnected', 1500).then(() => true, () => false);
  t.notOk(disconnected, 'no 4401: the refresh kept the session');
  t.equal(c.state, 'connected');
});

t.test('terminal closes: a refused static token (4401, no callback) and 4403 do not reconnect', async (t) => {
  const srv = await server();
  t.teardown(() => srv.stop());
  const expired = client({ url: `${srv.wsBase}/ws`, token: await jwt('frank', -60) });
  const errors: unknown[] = [];
  expired.on('error', (e) => errors.push(e));
  const d = next(expired, 'disconnected');
  await t.rejects(expired.connect(), { code: 'CLOSED' });
  t.match(await d, { code: 4401, willReconnect: false });
  t.match(errors[0], { code: 'UNAUTHORIZED', reason: 'expired' }, 'the refusal is reported with its reason');
  t.equal(expired.state, 'closed');

  const g = client({ url: `${srv.wsBase}/ws`, token: () => jwt('grace') });
  await g.connect();
  const gone = next(g, 'disconnected');
  const session = srv.kernel.services.get('sessions').ofUser('grace');
  for (const s of session) s.close(4403, 'banned');
  t.match(await gone, { code: 4403, willReconnect: false });
  await new Promise((r) => setTimeout(r, 300));
  t.equal(g.state, 'closed', 'no reconnect after 4403');
  t.equal(srv.kernel.services.get('sessions').count(), 0);
});

t.test('heartbeat: a connection that dies silently is noticed and replaced', async (t) => {
  const srv = await server();
  t.teardown(() => srv.stop());
  const p = await proxy(srv.port);
  t.teardown(() => p.close());
  const c = client({ url: `ws://127.0.0.1:${p.port}/ws`, token: () => jwt('heidi'), heartbeat: { interval: 200, timeout: 300 } });
  t.teardown(() => c.close());
  await c.connect();
  await c.subscribe('pulse', () => undefined).ready;
  const started = Date.now();
  p.freeze();
  const d = await next(c, 'disconnected', 3000);
  t.match(d, { code: 4000, willReconnect: true, reason: 'heartbeat timeout' });
  t.ok(Date.now() - started < 1500, `noticed within ${Date.now() - started} ms (interval 200 + timeout 300)`);
  p.thaw();
  const back = await next(c, 'connected', 5000);
  t.ok(back.reconnected);
  t.same(c.subscriptions, ['pulse'], 'still in its room');
});

t.test('without a WebSocket implementation the client says so', async (t) => {
  const { ActorwireClient } = await import('../src/index.js');
  const saved = (globalThis as { WebSocket?: unknown }).WebSocket;
  delete (globalThis as { WebSocket?: unknown }).WebSocket;
  t.teardown(() => { if (saved) (globalThis as { WebSocket?: unknown }).WebSocket = saved; });
  const c = new ActorwireClient({ url: 'ws://127.0.0.1:1/ws' });
  const err = next(c, 'error');
  await t.rejects(c.connect(), { code: 'CLOSED' });
  t.match(await err, { code: 'NO_WEBSOCKET', message: /options\.WebSocket/ });
});

/** The port is free again a moment after the old server stopped. */
async function restartOn(port: number) {
  for (let i = 0; ; i++) {
    try {
      return await server(port);
    } catch (err) {
      if (i >= 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function until(fn: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not met');
}

t.test('a token callback that never answers does not stall reconnecting: it times out and is asked again', async (t) => {
  const srv = await server();
  t.teardown(() => srv.stop());
  let calls = 0;
  const c = client({
    url: `${srv.wsBase}/ws`,
    requestTimeout: 300,
    token: () => (++calls === 1 ? new Promise<string>(() => undefined) : jwt('ivan')),
  });
  t.teardown(() => c.close());
  const errors: unknown[] = [];
  c.on('error', (e) => errors.push(e));
  await c.connect();
  t.equal(c.userId, 'ivan');
  t.equal(calls, 2, 'asked again after the first call hung');
  t.match(errors[0], { code: 'TIMEOUT', message: /token callback/ });
});
