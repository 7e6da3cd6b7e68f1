/** A valid HMAC token at upgrade: connected with user_id; claims become the session's identity. */
import t from 'tap';
import { SECRET, hs, nowSec, startAuth } from './fixtures/helpers.js';

t.test('valid HS256 → connected with user_id, identity from claims', async (t) => {
  const srv = await startAuth({ secret: SECRET });
  t.teardown(() => srv.stop());
  const exp = nowSec() + 600;
  const token = await hs({ sub: 'u1', role: 'seller', seller_id: 's-9', exp, extra: { a: 1 } });
  const c = await srv.connect('/ws', { headers: { authorization: `Bearer ${token}` } });
  t.equal(c.connected?.data.user_id, 'u1');
  t.type(c.connected?.data.client_id, 'string');
  const who = await c.request({ type: 'whoami' });
  t.equal(who.type, 'whoami');
  t.equal(who.data.phase, 'ready');
  t.same(who.data.identity, {
    userId: 'u1',
    role: 'seller',
    expiresAt: exp * 1000,
    claims: { sub: 'u1', role: 'seller', seller_id: 's-9', exp, extra: { a: 1 } },
  });
});

t.test('HS384 and HS512 are accepted by default', async (t) => {
  const srv = await startAuth({ secret: SECRET });
  t.teardown(() => srv.stop());
  for (const alg of ['HS384', 'HS512']) {
    const c = await srv.connect(`/ws?token=${await hs({ sub: `u-${alg}` }, { alg })}`);
    t.equal(c.connected?.data.user_id, `u-${alg}`, alg);
  }
});

t.test('user_id claim when there is no sub; numeric ids become strings', async (t) => {
  const srv = await startAuth({ secret: SECRET });
  t.teardown(() => srv.stop());
  const c1 = await srv.connect(`/ws?token=${await hs({ user_id: 'legacy-7' })}`);
  t.equal(c1.connected?.data.user_id, 'legacy-7');
  const c2 = await srv.connect(`/ws?token=${await hs({ user_id: 42, seller_id: 5 })}`);
  t.equal(c2.connected?.data.user_id, '42');
  const who = await c2.request({ type: 'whoami' });
  t.equal(who.data.identity.claims.seller_id, 5, 'other claims stay in claims, as they are (no domain fields on the identity)');
  t.equal(who.data.identity.sellerId, undefined);
});

t.test('configurable claim names (including a dotted path)', async (t) => {
  const srv = await startAuth({ secret: SECRET, userIdClaims: ['uid'], roleClaim: 'app.role' });
  t.teardown(() => srv.stop());
  const c = await srv.connect(`/ws?token=${await hs({ sub: 'ignored', uid: 'u-9', app: { role: 'admin' }, shop: 'sh-1' })}`);
  t.equal(c.connected?.data.user_id, 'u-9');
  const who = await c.request({ type: 'whoami' });
  t.equal(who.data.identity.role, 'admin');
  t.equal(who.data.identity.claims.shop, 'sh-1');
});

t.test('a token without exp has no expiry; algorithm allow-list can narrow HS', async (t) => {
  const srv = await startAuth({ secret: SECRET, algorithms: { secret: ['HS512'] } });
  t.teardown(() => srv.stop());
  const c = await srv.connect(`/ws?token=${await hs({ sub: 'u1', exp: undefined }, { alg: 'HS512' })}`);
  const who = await c.request({ type: 'whoami' });
  t.equal(who.data.identity.expiresAt, undefined);
  const { expectRefused } = await import('@actorwire/testing');
  const r = await expectRefused(`${srv.wsBase}/ws?token=${await hs({ sub: 'u1' }, { alg: 'HS256' })}`);
  t.equal(r.status, 401);
  t.same(r.body, { error: 'invalid token', code: 'UNAUTHORIZED', reason: 'algorithm_not_allowed' });
});

t.test('authenticator is registered and verifies tokens', async (t) => {
  const srv = await startAuth({ secret: SECRET });
  t.teardown(() => srv.stop());
  const auth = srv.kernel.services.get('authenticator');
  t.same(auth.algorithms, ['HS256', 'HS384', 'HS512']);
  t.equal((await auth.verify(await hs({ sub: 'z' }))).userId, 'z');
  await t.rejects(auth.verify('nope'), { code: 'UNAUTHORIZED', reason: 'malformed', status: 401 });
});
