/**
 * A credential belongs to the session that presented it. The only token forwarded upstream is
 * the one the auth plugin verified for this session (`authenticator.credentialOf`); cached
 * answers are keyed by who they were fetched for; refreshes nobody asked for go with the service
 * token or nothing, never with a viewer's token.
 */
import t from 'tap';
import { SignJWT } from 'jose';
import { expectRefused } from '@actorwire/testing';
import { SECRET, jwt, server, startUpstream, viewer } from './support.js';

const signed = (claims: Record<string, unknown>, secret = SECRET, exp = Math.floor(Date.now() / 1000) + 600) =>
  new SignJWT({ exp, ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));

t.test('a path token next to a verified header token is refused before the upgrade, whatever it is', async (t) => {
  const up = await startUpstream();
  const srv = await server(up);
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const header = { authorization: `Bearer ${await jwt({ sub: 'u1' })}` };
  const intruders = {
    garbage: 'garbage',
    'an expired admin token': await signed({ sub: 'root', role: 'admin' }, SECRET, Math.floor(Date.now() / 1000) - 3600),
    'an admin token signed with another secret': await signed({ sub: 'root', role: 'admin' }, 'another-secret-another-secret-another-1'),
  };
  for (const [what, token] of Object.entries(intruders)) {
    const refused = await expectRefused(`${srv.wsBase}/ws/restaurants/main/${token}`, { headers: header });
    t.equal(refused.status, 401, `${what} in the path → 401`);
    t.equal(refused.body.reason, 'conflicting_tokens');
  }
  t.equal(up.calls.length, 0, 'the upstream saw none of them');

  // The same token in the path and the header is one credential, and it is what goes upstream.
  const own = await jwt({ sub: 'u1' });
  const c = await srv.connect(`/ws/restaurants/main/${own}`, { headers: { authorization: `Bearer ${own}` } });
  await c.request({ action: 'list' });
  t.equal(up.calls.at(-1)!.authorization, `Bearer ${own}`);
});

t.test('cached answers are per user; Kafka-style refreshes use the service token, never a viewer\'s', async (t) => {
  const up = await startUpstream();
  const srv = await server(up, { snapshots: { serviceToken: 'svc-token-0123456789', refreshWindow: 20 } });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const aliceToken = await jwt({ sub: 'alice' });
  const alice = await srv.connect('/ws/restaurants/main', { headers: { authorization: `Bearer ${aliceToken}` } });
  const bob = await viewer(srv, '/ws/restaurants/main', { sub: 'bob' });
  const first = await alice.request({ action: 'list' });
  t.equal(first.cached, false);
  t.equal(up.calls.at(-1)!.authorization, `Bearer ${aliceToken}`, 'alice\'s request goes with alice\'s token');
  const bobs = await bob.request({ action: 'list' });
  t.equal(bobs.cached, false, 'bob is not served what was fetched with alice\'s token');
  t.not(up.calls.at(-1)!.authorization, `Bearer ${aliceToken}`, 'bob\'s request goes with bob\'s token');
  t.equal((await alice.request({ action: 'list' })).cached, true, 'alice is served her own cached answer');

  const before = up.calls.length;
  srv.kernel.services.get('snapshots').changed({ entity: 'restaurants', section: 'main', id: undefined });
  await Promise.all([alice.next('restaurants.snapshot', 5000), bob.next('restaurants.snapshot', 5000)]);
  const refreshes = up.calls.slice(before);
  t.equal(refreshes.length, 1, 'one upstream call for the change');
  t.equal(refreshes[0]!.authorization, 'Bearer svc-token-0123456789', 'the refresh goes with the service token');
});

t.test('credential-like names are refused as query parameters', async (t) => {
  const up = await startUpstream();
  const srv = await server(up);
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const c = await viewer(srv, '/ws/restaurants/main');
  for (const name of ['token', 'access_token', 'Authorization', 'JWT']) {
    const r = await c.request({ action: 'list', query: { [name]: 'x' } });
    t.equal(r.type, 'restaurants.error', name);
    t.equal(r.code, 'INVALID_MESSAGE', name);
  }
  t.equal(up.calls.length, 0);
});
