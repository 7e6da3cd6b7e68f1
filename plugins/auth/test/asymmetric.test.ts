/** RS256 and ES256 through a PEM public key and through a JWKS served over HTTP, including a key rotation. */
import t from 'tap';
import { expectRefused } from '@actorwire/testing';
import { jwksServer, keyPair, signWith, startAuth } from './fixtures/helpers.js';

const rsa = keyPair('rsa');
const ec = keyPair('ec-p256');
const ed = keyPair('ed25519');

t.test('PEM public keys: RS256, ES256, EdDSA accepted; a token from another key refused', async (t) => {
  for (const [name, kp, alg] of [['RS256', rsa, 'RS256'], ['ES256', ec, 'ES256'], ['EdDSA', ed, 'EdDSA']] as const) {
    const srv = await startAuth({ publicKey: kp.pem, lateAuth: false });
    const c = await srv.connect(`/ws?token=${await signWith(kp.privateKey, alg, { sub: `${name}-user` })}`);
    t.equal(c.connected?.data.user_id, `${name}-user`, `${name} via PEM`);
    const other = keyPair(name === 'RS256' ? 'rsa' : name === 'ES256' ? 'ec-p256' : 'ed25519');
    const res = await expectRefused(`ws://127.0.0.1:${srv.port}/ws?token=${await signWith(other.privateKey, alg, { sub: 'x' })}`);
    t.equal(res.body.reason, 'bad_signature', `${name}: another key's signature is refused`);
    await srv.stop();
  }
});

t.test('JWKS: RS256 and ES256 by kid, then a rotation to a new key', async (t) => {
  const jwks = await jwksServer([rsa.jwk('rsa-1', 'RS256'), ec.jwk('ec-1', 'ES256')]);
  t.teardown(() => jwks.close());
  const srv = await startAuth({ jwksUrl: jwks.url, lateAuth: false, jwks: { cooldown: 0, cacheMaxAge: 600_000, timeout: 2000 } });
  t.teardown(() => srv.stop());
  const url = `ws://127.0.0.1:${srv.port}/ws`;

  const a = await srv.connect(`/ws?token=${await signWith(rsa.privateKey, 'RS256', { sub: 'rs' }, { kid: 'rsa-1' })}`);
  t.equal(a.connected?.data.user_id, 'rs', 'RS256 via JWKS');
  const b = await srv.connect(`/ws?token=${await signWith(ec.privateKey, 'ES256', { sub: 'es' }, { kid: 'ec-1' })}`);
  t.equal(b.connected?.data.user_id, 'es', 'ES256 via JWKS');

  // Rotation: the issuer publishes a new key and drops the old one.
  const next = keyPair('rsa');
  jwks.setKeys([next.jwk('rsa-2', 'RS256')]);
  const hitsBefore = jwks.hits();
  const c = await srv.connect(`/ws?token=${await signWith(next.privateKey, 'RS256', { sub: 'rotated' }, { kid: 'rsa-2' })}`);
  t.equal(c.connected?.data.user_id, 'rotated', 'a token signed with the new key is accepted (unknown kid → refetch)');
  t.ok(jwks.hits() > hitsBefore, 'the key set was fetched again');
  const stale = await signWith(rsa.privateKey, 'RS256', { sub: 'old' }, { kid: 'rsa-1' });
  // The cache may still hold rsa-1 until it refreshes; unknown kids always refetch. Force a refetch with an unknown kid.
  const unknown = await expectRefused(`${url}?token=${await signWith(keyPair('rsa').privateKey, 'RS256', { sub: 'x' }, { kid: 'nope' })}`);
  t.equal(unknown.body.reason, 'no_matching_key', 'a kid the issuer never published is refused');
  const old = await expectRefused(`${url}?token=${stale}`);
  t.equal(old.status, 401, 'after the refetch the retired key no longer verifies');

  jwks.fail(500);
  const down = await expectRefused(`${url}?token=${await signWith(keyPair('rsa').privateKey, 'RS256', { sub: 'y' }, { kid: 'rsa-3' })}`);
  t.equal(down.status, 503, 'JWKS unreachable and the key unknown → 503 key_unavailable, not a crash');
  t.equal(down.body.reason, 'key_unavailable');
});
