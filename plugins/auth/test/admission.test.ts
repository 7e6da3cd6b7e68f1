/**
 * Admission control: sockets that must authenticate and have not get their own budget (they
 * cannot lock out users with a token), and per-address limits on open connections and upgrades.
 */
import t from 'tap';
import { expectRefused } from '@actorwire/testing';
import { SECRET, hs, startAuth } from './fixtures/helpers.js';

t.test('slot squatting: token-less sockets fill their budget, users with a token still get in', async (t) => {
  const srv = await startAuth({ secret: SECRET, lateAuth: true }, { config: { websocket: { maxConnections: 12, maxUnauthenticated: 5, authTimeout: 30_000 } } });
  t.teardown(() => srv.stop());
  const squatters = [];
  for (let i = 0; i < 5; i++) squatters.push(await srv.connect('/ws'));
  const sixth = await srv.connect('/ws', { awaitConnected: false });
  const err = await sixth.next('error');
  t.equal(err.code, 'SERVER_FULL', 'the sixth token-less socket is refused');
  const code = await new Promise<number>((resolve) => sixth.ws.once('close', (c: number) => resolve(c)));
  t.equal(code, 1013);
  for (let i = 0; i < 6; i++) {
    const u = await srv.connect(`/ws?token=${await hs({ sub: `user${i}` })}`);
    t.equal((await u.request({ type: 'ping' })).type, 'pong', `user ${i} with a token gets in`);
  }
  // 11 of 12 slots taken, the token-less budget full. Authenticating frees a place in it.
  const still = await srv.connect('/ws', { awaitConnected: false });
  t.equal((await still.next('error')).code, 'SERVER_FULL', 'the budget is still full');
  const authed = await squatters[0]!.request({ type: 'auth', token: await hs({ sub: 'late' }) });
  t.equal(authed.type, 'authenticated');
  await srv.connect('/ws', { awaitConnected: true }).catch(() => t.fail('a slot of the budget was freed by the authentication'));
});

t.test('connection limit 40, default unauthenticated budget (1,000): token-less sockets take every slot, a user with a token still gets in', async (t) => {
  const srv = await startAuth({ secret: SECRET, lateAuth: true }, { config: { websocket: { maxConnections: 40, authTimeout: 30_000 } } });
  t.teardown(() => srv.stop());
  const squatters = [];
  for (let i = 0; i < 40; i++) squatters.push(await srv.connect('/ws'));
  const extra = await srv.connect('/ws', { awaitConnected: false });
  t.equal((await extra.next('error')).code, 'SERVER_FULL', 'a 41st token-less socket is refused');
  for (let i = 0; i < 3; i++) {
    const u = await srv.connect(`/ws?token=${await hs({ sub: `user${i}` })}`);
    t.equal((await u.request({ type: 'ping' })).type, 'pong', `user ${i} with a token gets in at capacity`);
    const evicted = await squatters[i]!.closed;
    t.equal(evicted.code, 4408, `the oldest token-less socket (${i}) is closed with 4408`);
  }
  t.equal(squatters[3]!.closeCode, undefined, 'only as many evicted as users came');
  await new Promise((r) => setTimeout(r, 100));
  t.equal(srv.kernel.services.get('sessions').count(), 40, 'still at the limit');
});

t.test('per-address limits: open connections and upgrade rate answer 429 before the upgrade', async (t) => {
  const srv = await startAuth({ secret: SECRET }, { config: { websocket: { maxConnectionsPerIp: 3 } } });
  const token = await hs({ sub: 'u' });
  const open = [];
  for (let i = 0; i < 3; i++) open.push(await srv.connect(`/ws?token=${token}`));
  const fourth = await expectRefused(`${srv.wsBase}/ws?token=${token}`);
  t.same([fourth.status, fourth.body.code], [429, 'TOO_MANY_CONNECTIONS']);
  open[0]!.terminate();
  await new Promise((r) => setTimeout(r, 100));
  const again = await srv.connect(`/ws?token=${token}`);
  t.equal((await again.request({ type: 'ping' })).type, 'pong', 'a closed connection frees its place');
  await srv.stop();

  const rated = await startAuth({ secret: SECRET }, { config: { websocket: { upgradesPerIpPerSecond: 2 } } });
  t.teardown(() => rated.stop());
  const results: number[] = [];
  for (let i = 0; i < 6; i++) {
    try {
      const c = await rated.connect(`/ws?token=${token}`);
      c.terminate();
      results.push(101);
    } catch (e) {
      results.push((e as { status?: number }).status ?? 0);
    }
  }
  t.same(results.slice(0, 4), [101, 101, 101, 101], 'a burst of twice the rate');
  t.ok(results.slice(4).every((s) => s === 429), `then 429 (${results.join(',')})`);
  const body = await expectRefused(`${rated.wsBase}/ws?token=${token}`);
  t.equal(body.body.code, 'RATE_LIMITED');
});
