/** Where a token may come from: header, query, path segment, subprotocol, or an `auth` message within the deadline. */
import t from 'tap';
import { expectRefused } from '@actorwire/testing';
import { SECRET, hs, startAuth } from './fixtures/helpers.js';

t.test('token at upgrade: Authorization header, ?token=, /:token path segment, Sec-WebSocket-Protocol', async (t) => {
  const srv = await startAuth({ secret: SECRET }, { routes: { '/ws/:entity/:section/:token': { tokenParam: 'token' } } });
  t.teardown(() => srv.stop());

  const viaHeader = await srv.connect('/ws', { headers: { authorization: `Bearer ${await hs({ sub: 'h' })}` } });
  t.equal(viaHeader.connected?.data.user_id, 'h', 'Authorization: Bearer');

  const viaQuery = await srv.connect(`/ws?token=${await hs({ sub: 'q' })}`);
  t.equal(viaQuery.connected?.data.user_id, 'q', '?token=');

  const viaPath = await srv.connect(`/ws/orders/list/${await hs({ sub: 'p' })}`);
  t.equal(viaPath.connected?.data.user_id, 'p', '/:token path segment');
  t.equal((await viaPath.request({ type: 'whoami' })).data.identity.userId, 'p');

  const viaProtocol = await srv.connect('/ws', { protocols: ['bearer', await hs({ sub: 's' })] });
  t.equal(viaProtocol.connected?.data.user_id, 's', 'Sec-WebSocket-Protocol: bearer, <jwt>');
  t.equal(viaProtocol.ws.protocol, 'bearer', 'the server echoes the marker, never the token');

  // Two different tokens: which one counts would be ambiguous (and another plugin might read the
  // other one), so the upgrade is refused. The same token in two places is one credential.
  const first = await hs({ sub: 'first' });
  const both = await expectRefused(`ws://127.0.0.1:${srv.port}/ws?token=${await hs({ sub: 'second' })}`, { headers: { authorization: `Bearer ${first}` } });
  t.equal(both.status, 401, 'header and query with different tokens → 401');
  t.equal(both.body.reason, 'conflicting_tokens');
  const pathAndHeader = await expectRefused(`ws://127.0.0.1:${srv.port}/ws/orders/list/garbage`, { headers: { authorization: `Bearer ${first}` } });
  t.equal(pathAndHeader.status, 401, 'a valid header and garbage in the path → 401 (the path is never forwarded unverified)');
  t.equal(pathAndHeader.body.reason, 'conflicting_tokens');
  const same = await srv.connect(`/ws?token=${first}`, { headers: { authorization: `Bearer ${first}` } });
  t.equal(same.connected?.data.user_id, 'first', 'the same token twice is accepted');

  // A bad token in the path segment is refused before the upgrade too.
  const bad = await expectRefused(`ws://127.0.0.1:${srv.port}/ws/orders/list/not-a-token`);
  t.equal(bad.status, 401);
});

t.test('auth message within the auth timeout; without it → 4408', async (t) => {
  const srv = await startAuth({ secret: SECRET }, { config: { websocket: { authTimeout: 600, sweepInterval: 50 } } });
  t.teardown(() => srv.stop());

  const late = await srv.connect('/ws');
  t.notOk(late.connected?.data.user_id, 'connected anonymously, waiting for auth');
  const before = await late.request({ type: 'whoami', id: 'w0' });
  t.equal(before.type, 'error', 'data messages are refused before authentication');
  t.equal(before.code, 'UNAUTHORIZED');
  const authed = await late.request({ type: 'auth', token: await hs({ sub: 'm' }), id: 'a1' });
  t.equal(authed.type, 'authenticated');
  t.equal(authed.id, 'a1');
  t.equal(authed.data.user_id, 'm');
  t.equal((await late.request({ type: 'whoami' })).data.identity.userId, 'm');

  const wrong = await srv.connect('/ws');
  const refused = await wrong.request({ type: 'auth', token: await hs({ sub: 'x' }, { secret: 'not-the-secret-not-the-secret-xx' }) });
  t.equal(refused.code, 'UNAUTHORIZED');
  t.equal(refused.reason, 'bad_signature');

  const silent = await srv.connect('/ws');
  const closed = await silent.closed;
  t.equal(closed.code, 4408, 'no auth within the timeout → 4408');
  const stillOk = await late.request({ type: 'ping' });
  t.equal(stillOk.type, 'pong', 'other sessions are unaffected');
});

t.test('optional routes admit anonymous sessions; a route requiring auth without late auth answers 401', async (t) => {
  const srv = await startAuth({ secret: SECRET }, { routes: { '/public': { auth: 'optional' }, '/strict': { meta: { lateAuth: false } } } });
  t.teardown(() => srv.stop());
  const anon = await srv.connect('/public');
  t.equal((await anon.request({ type: 'whoami_any' })).data.identity, null, 'anonymous on an optional route');
  const strict = await expectRefused(`ws://127.0.0.1:${srv.port}/strict`);
  t.equal(strict.status, 401);
  t.equal(strict.body.reason, 'missing_token');
});
