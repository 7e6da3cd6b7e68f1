/** A token that expires during a session closes it with 4401 unless the client refreshed it first. */
import t from 'tap';
import { SECRET, hs, nowSec, sleep, startAuth } from './fixtures/helpers.js';

t.test('expiry mid-session → UNAUTHORIZED token expired + 4401; refresh keeps the session; another user is refused', async (t) => {
  const srv = await startAuth({ secret: SECRET }, { config: { websocket: { sweepInterval: 50 } } });
  t.teardown(() => srv.stop());

  const doomed = await srv.connect(`/ws?token=${await hs({ sub: 'd', exp: nowSec() + 2 })}`);
  const refreshed = await srv.connect(`/ws?token=${await hs({ sub: 'r', exp: nowSec() + 2 })}`);

  const hijack = await refreshed.request({ type: 'auth', token: await hs({ sub: 'someone-else', exp: nowSec() + 3600 }) });
  t.equal(hijack.code, 'UNAUTHORIZED', 'a refresh with another user\'s token is refused');
  t.equal(hijack.reason, 'wrong_user');

  const ok = await refreshed.request({ type: 'auth', token: await hs({ sub: 'r', exp: nowSec() + 3600 }), id: 'refresh' });
  t.equal(ok.type, 'authenticated');
  t.ok(ok.data.expires_at > Date.now() + 3_000_000, 'the new expiry is reported');

  const err = await doomed.next('error', 5000);
  t.equal(err.code, 'UNAUTHORIZED');
  t.equal(err.error, 'token expired');
  t.equal((await doomed.closed).code, 4401);

  await sleep(300);
  t.equal((await refreshed.request({ type: 'ping' })).type, 'pong', 'the refreshed session lives on past the old expiry');
  t.equal((await refreshed.request({ type: 'whoami' })).data.identity.userId, 'r');
});
