/** Every bad token is refused before the upgrade with HTTP 401 and a JSON reason; the token never reaches the logs. */
import t from 'tap';
import { expectRefused } from '@actorwire/testing';
import { SECRET, captureLogger, forge, hmacForge, hs, keyPair, nowSec, signWith, startAuth } from './fixtures/helpers.js';

const rsa = keyPair('rsa');

t.test('HS secret: missing, bad signature, expired, nbf, alg none, RS256 → 401 before upgrade', async (t) => {
  const log = captureLogger();
  const srv = await startAuth({ secret: SECRET, lateAuth: false }, { logger: log.logger });
  t.teardown(() => srv.stop());
  const url = `ws://127.0.0.1:${srv.port}/ws`;

  const cases: Array<[string, string | undefined, string]> = [
    ['missing token', undefined, 'missing_token'],
    ['bad signature', await hs({ sub: 'u1' }, { secret: 'another-secret-another-secret-another' }), 'bad_signature'],
    ['expired', await hs({ sub: 'u1', exp: nowSec() - 60 }), 'expired'],
    ['nbf in the future', await hs({ sub: 'u1', nbf: nowSec() + 600 }), 'not_yet_valid'],
    ['alg none', forge({ alg: 'none', typ: 'JWT' }, { sub: 'u1', exp: nowSec() + 600 }), 'algorithm_not_allowed'],
    ['RS256 token against an HS secret', await signWith(rsa.privateKey, 'RS256', { sub: 'u1' }), 'algorithm_not_allowed'],
    ['garbage', 'not.a.jwt', 'malformed'],
    ['no subject', await hs({ role: 'admin' }), 'missing_subject'],
  ];
  const tokens: string[] = [];
  for (const [name, token, reason] of cases) {
    if (token) tokens.push(token);
    const res = await expectRefused(url + (token ? `?token=${encodeURIComponent(token)}` : ''));
    t.equal(res.status, 401, `${name}: HTTP 401`);
    t.equal(res.body.code, 'UNAUTHORIZED', `${name}: code`);
    t.equal(res.body.reason, reason, `${name}: reason ${reason}`);
    t.match(res.body.error, /authentication required|invalid token|token expired/, `${name}: protocol text`);
  }
  const expired = await expectRefused(url, { headers: { authorization: `Bearer ${await hs({ sub: 'u1', exp: nowSec() - 5 })}` } });
  t.equal(expired.body.error, 'token expired', 'expired says so');

  const text = log.text();
  for (const r of ['bad_signature', 'expired', 'not_yet_valid', 'algorithm_not_allowed']) t.match(text, r, `reason ${r} is logged`);
  for (const tok of tokens) t.notOk(text.includes(tok.split('.')[2] || tok), 'no token (signature part) in the logs');
});

t.test('public key configured: HS256 signed with the public key as HMAC secret is refused', async (t) => {
  const srv = await startAuth({ publicKey: rsa.pem, lateAuth: false });
  t.teardown(() => srv.stop());
  const url = `ws://127.0.0.1:${srv.port}/ws`;
  const attack = hmacForge({ sub: 'mallory' }, rsa.pem);
  const res = await expectRefused(`${url}?token=${attack}`);
  t.equal(res.status, 401);
  t.equal(res.body.reason, 'algorithm_not_allowed');
  const good = await signWith(rsa.privateKey, 'RS256', { sub: 'alice' });
  const c = await srv.connect(`/ws?token=${good}`);
  t.equal(c.connected?.data.user_id, 'alice', 'the real RS256 token still works');
});

t.test('iss and aud checks; clock tolerance', async (t) => {
  const srv = await startAuth({ secret: SECRET, issuer: 'https://issuer.test', audience: ['actorwire'], clockTolerance: 30_000, lateAuth: false });
  t.teardown(() => srv.stop());
  const url = `ws://127.0.0.1:${srv.port}/ws`;
  t.equal((await expectRefused(`${url}?token=${await hs({ sub: 'u', iss: 'https://evil.test', aud: 'actorwire' })}`)).body.reason, 'issuer');
  t.equal((await expectRefused(`${url}?token=${await hs({ sub: 'u', iss: 'https://issuer.test', aud: 'other' })}`)).body.reason, 'audience');
  const ok = await srv.connect(`/ws?token=${await hs({ sub: 'u', iss: 'https://issuer.test', aud: 'actorwire', exp: nowSec() - 10 })}`);
  t.equal(ok.connected?.data.user_id, 'u', 'expired 10 s ago is within a 30 s tolerance');
});
