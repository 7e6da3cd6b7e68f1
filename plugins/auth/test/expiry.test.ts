/**
 * A token that expires during a session closes it with 4401 unless the client refreshed it
 * first. Session time is a ManualClock: the token's `exp` passes when the test advances it.
 */
import t from 'tap';
import { ManualClock } from '@actorwire/testing';
import { SECRET, hs, nowSec, startAuth } from './fixtures/helpers.js';

t.test('expiry mid-session → UNAUTHORIZED token expired + 4401; refresh keeps the session; another user is refused', async (t) => {
  const clock = new ManualClock({ resolution: 1000 });
  // Heartbeats far apart: this test moves time by minutes without answering pings.
  const srv = await startAuth({ secret: SECRET }, { clock, config: { websocket: { pingInterval: 3_600_000, pongWait: 3_700_000 } } });
  t.teardown(() => srv.stop());

  const doomed = await srv.connect(`/ws?token=${await hs({ sub: 'd', exp: nowSec() + 60 })}`);
  const refreshed = await srv.connect(`/ws?token=${await hs({ sub: 'r', exp: nowSec() + 60 })}`);

  const hijack = await refreshed.request({ type: 'auth', token: await hs({ sub: 'someone-else', exp: nowSec() + 3600 }) });
  t.equal(hijack.code, 'UNAUTHORIZED', 'a refresh with another user\'s token is refused');
  t.equal(hijack.reason, 'wrong_user');

  const ok = await refreshed.request({ type: 'auth', token: await hs({ sub: 'r', exp: nowSec() + 3600 }), id: 'refresh' });
  t.equal(ok.type, 'authenticated');
  t.ok(ok.data.expires_at > Date.now() + 3_000_000, 'the new expiry is reported');

  clock.advance(55_000);
  t.equal((await doomed.request({ type: 'ping' })).type, 'pong', 'valid until its exp');
  clock.advance(7_000);
  const err = await doomed.next('error', 5000);
  t.equal(err.code, 'UNAUTHORIZED');
  t.equal(err.error, 'token expired');
  t.equal((await doomed.closed).code, 4401);

  clock.advance(60_000);
  t.equal((await refreshed.request({ type: 'ping' })).type, 'pong', 'the refreshed session lives on past the old expiry');
  t.equal((await refreshed.request({ type: 'whoami' })).data.identity.userId, 'r');
});
