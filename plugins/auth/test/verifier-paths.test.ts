/**
 * The synchronous HMAC path gives the verdict jose gives: the same identity or the same
 * refusal reason, for a table of tokens (claims, tolerance edges, malformed payloads, bad
 * signatures). And the verified-token cache: hits skip verification, entries end at the
 * token's expiry or the cache's max age, the size is bounded, refusals are never kept.
 */
import t from 'tap';
import { createHmac } from 'node:crypto';
import { SignJWT, jwtVerify, type JWTVerifyOptions } from 'jose';
import { toIdentity } from '../src/claims.js';
import { AuthError, fromJoseError } from '../src/errors.js';
import { secretSource } from '../src/keys.js';
import { createVerifier, type VerifierOptions } from '../src/verifier.js';

const SECRET = 'a-secret-that-is-long-enough-for-hs256-tests-0123456789';
const KEY = new TextEncoder().encode(SECRET);
const NOW_S = 1_800_000_000;
const NAMES = { userIdClaims: ['sub', 'user_id'], roleClaim: 'role' };

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
/** A token signed over raw header/payload text, so malformed payloads can be signed too. */
function raw(payload: string | Buffer, alg = 'HS256', header: Record<string, unknown> = {}): string {
  const hash = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg]!;
  const input = `${b64({ alg, ...header })}.${Buffer.from(payload).toString('base64url')}`;
  return `${input}.${createHmac(hash, KEY).update(input).digest('base64url')}`;
}
const tok = (claims: Record<string, unknown>, alg = 'HS256') => raw(JSON.stringify(claims), alg);

interface Rules {
  issuer?: string[];
  audience?: string[];
  requiredClaims?: string[];
  clockTolerance?: number;
}

function verifierFor(rules: Rules, extra: Partial<VerifierOptions> = {}) {
  return createVerifier({
    ...NAMES,
    keys: [secretSource(SECRET, ['HS256', 'HS384', 'HS512'], () => {})],
    issuer: rules.issuer ?? [],
    audience: rules.audience ?? [],
    clockTolerance: rules.clockTolerance ?? 0,
    requiredClaims: rules.requiredClaims ?? [],
    maxTokenLength: 8192,
    now: () => NOW_S * 1000,
    ...extra,
  });
}

type Verdict = { userId: string; expiresAt?: number } | { reason: string };

function syncVerdict(rules: Rules, token: string): Verdict {
  try {
    const id = verifierFor(rules).verifySync(token);
    if (id === undefined) return { reason: '(not synchronous)' };
    return { userId: id.userId, expiresAt: id.expiresAt };
  } catch (err) {
    return { reason: (err as AuthError).reason };
  }
}

async function joseVerdict(rules: Rules, token: string): Promise<Verdict> {
  const options: JWTVerifyOptions = {
    algorithms: ['HS256', 'HS384', 'HS512'],
    clockTolerance: (rules.clockTolerance ?? 0) / 1000,
    currentDate: new Date(NOW_S * 1000),
    ...(rules.issuer?.length ? { issuer: rules.issuer } : {}),
    ...(rules.audience?.length ? { audience: rules.audience } : {}),
    ...(rules.requiredClaims?.length ? { requiredClaims: rules.requiredClaims } : {}),
  };
  try {
    const { payload } = await jwtVerify(token, KEY, options);
    const id = toIdentity(payload, NAMES, rules.clockTolerance ?? 0);
    return { userId: id.userId, expiresAt: id.expiresAt };
  } catch (err) {
    return { reason: fromJoseError(err, false).reason };
  }
}

const CASES: [string, Rules, string][] = [
  ['valid, no exp', {}, tok({ sub: 'u1' })],
  ['valid with exp', {}, tok({ sub: 'u1', exp: NOW_S + 60 })],
  ['HS384', {}, tok({ sub: 'u1' }, 'HS384')],
  ['HS512', {}, tok({ sub: 'u1' }, 'HS512')],
  ['exp now', {}, tok({ sub: 'u1', exp: NOW_S })],
  ['exp one second ago', {}, tok({ sub: 'u1', exp: NOW_S - 1 })],
  ['exp 5 s ago within 10 s tolerance', { clockTolerance: 10_000 }, tok({ sub: 'u1', exp: NOW_S - 5 })],
  ['exp 10 s ago at 10 s tolerance', { clockTolerance: 10_000 }, tok({ sub: 'u1', exp: NOW_S - 10 })],
  ['exp fractional', {}, tok({ sub: 'u1', exp: NOW_S + 0.5 })],
  ['exp a string', {}, tok({ sub: 'u1', exp: String(NOW_S + 60) })],
  ['nbf in the future', {}, tok({ sub: 'u1', nbf: NOW_S + 1 })],
  ['nbf now', {}, tok({ sub: 'u1', nbf: NOW_S })],
  ['nbf 5 s ahead within tolerance', { clockTolerance: 5000 }, tok({ sub: 'u1', nbf: NOW_S + 5 })],
  ['nbf a string', {}, tok({ sub: 'u1', nbf: 'soon' })],
  ['iat a string', {}, tok({ sub: 'u1', iat: 'then' })],
  ['issuer ok', { issuer: ['a', 'b'] }, tok({ sub: 'u1', iss: 'b' })],
  ['issuer wrong', { issuer: ['a'] }, tok({ sub: 'u1', iss: 'x' })],
  ['issuer missing', { issuer: ['a'] }, tok({ sub: 'u1' })],
  ['audience string ok', { audience: ['api'] }, tok({ sub: 'u1', aud: 'api' })],
  ['audience array ok', { audience: ['api'] }, tok({ sub: 'u1', aud: ['x', 'api'] })],
  ['audience wrong', { audience: ['api'] }, tok({ sub: 'u1', aud: ['x'] })],
  ['audience a number', { audience: ['api'] }, tok({ sub: 'u1', aud: 7 })],
  ['audience missing', { audience: ['api'] }, tok({ sub: 'u1' })],
  ['required claim missing', { requiredClaims: ['exp'] }, tok({ sub: 'u1' })],
  ['required claim present', { requiredClaims: ['exp'] }, tok({ sub: 'u1', exp: NOW_S + 60 })],
  ['iss and aud both missing: iss first', { issuer: ['a'], audience: ['b'] }, tok({ sub: 'u1' })],
  ['no user id claim', {}, tok({ role: 'x' })],
  ['payload an array', {}, raw('[1,2]')],
  ['payload not JSON', {}, raw('{"sub":')],
  ['payload not UTF-8', {}, raw(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))],
  ['payload null', {}, raw('null')],
  ['bad signature', {}, `${tok({ sub: 'u1' }).slice(0, -2)}AA`],
  ['truncated signature', {}, tok({ sub: 'u1' }).slice(0, -5)],
  ['empty signature', {}, `${tok({ sub: 'u1' }).split('.').slice(0, 2).join('.')}.`],
  ['signed with another secret', {}, (() => {
    const input = `${b64({ alg: 'HS256' })}.${b64({ sub: 'u1' })}`;
    return `${input}.${createHmac('sha256', 'other').update(input).digest('base64url')}`;
  })()],
];

t.test('the synchronous HMAC path and jose agree on every token of the table', async (t) => {
  for (const [name, rules, token] of CASES) {
    const expected = await joseVerdict(rules, token);
    t.same(syncVerdict(rules, token), expected, `${name}: ${JSON.stringify(expected)}`);
  }
});

t.test('the async verify gives the same verdicts (it takes the synchronous path for plain HMAC tokens)', async (t) => {
  for (const [name, rules, token] of CASES) {
    let got: Verdict;
    try {
      const id = await verifierFor(rules).verify(token);
      got = { userId: id.userId, expiresAt: id.expiresAt };
    } catch (err) {
      got = { reason: (err as AuthError).reason };
    }
    t.same(got, await joseVerdict(rules, token), name);
  }
});

t.test('headers with JWS extensions are left to jose', async (t) => {
  const v = verifierFor({});
  const withCrit = raw(JSON.stringify({ sub: 'u1' }), 'HS256', { crit: ['b64'], b64: true });
  t.equal(v.verifySync(withCrit), undefined, 'crit: not decided synchronously');
  const viaJose = await v.verify(withCrit).then((id) => id.userId, (err: AuthError) => err.reason);
  t.equal(viaJose, await joseVerdict({}, withCrit).then((x) => ('userId' in x ? x.userId : x.reason)));
  const unknownCrit = raw(JSON.stringify({ sub: 'u1' }), 'HS256', { crit: ['x-custom'], 'x-custom': 1 });
  await t.rejects(v.verify(unknownCrit), { reason: 'unsupported_header' } as object as Error, 'an unknown critical extension is refused (as jose refuses it), for its header');
  const jose = await new SignJWT({ sub: 'u2' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: 'k1' }).sign(KEY);
  t.equal(v.verifySync(jose)?.userId, 'u2', 'alg/typ/kid only: synchronous');
});

t.test('cache: a token verified once is answered from the cache, until its exp', async (t) => {
  let now = NOW_S * 1000;
  const v = verifierFor({}, { cache: { maxEntries: 100, maxAge: 3_600_000 }, now: () => now });
  const token = tok({ sub: 'u1', exp: NOW_S + 60 });
  const first = v.verifySync(token)!;
  t.equal(v.cache.hits, 0);
  const second = v.verifySync(token)!;
  t.equal(v.cache.hits, 1, 'second presentation is a hit');
  t.equal(second, first, 'the same identity');
  t.ok(Object.isFrozen(second) && Object.isFrozen(second.claims), 'shared identities are frozen');
  t.equal((await v.verify(token)).userId, 'u1', 'verify() uses the cache too');
  t.equal(v.cache.hits, 2);
  now = (NOW_S + 60) * 1000;
  t.throws(() => v.verifySync(token), { reason: 'expired' } as object as Error, 'at exp the entry is gone and the token is refused as expired');
  t.equal(v.cache.size, 0, 'the expired entry is dropped');
});

t.test('cache: entries end after maxAge even without exp; a changed token is a miss; refusals are not kept', async (t) => {
  let now = NOW_S * 1000;
  const v = verifierFor({}, { cache: { maxEntries: 100, maxAge: 1000 }, now: () => now });
  const token = tok({ sub: 'u1' });
  v.verifySync(token);
  now += 999;
  v.verifySync(token);
  t.equal(v.cache.hits, 1);
  now += 1;
  v.verifySync(token);
  t.equal(v.cache.hits, 1, 'at maxAge: verified again');
  const tampered = `${token.slice(0, -3)}${token.endsWith('A') ? 'B' : 'A'}AA`;
  t.throws(() => v.verifySync(tampered), { reason: 'bad_signature' } as object as Error);
  t.throws(() => v.verifySync(tampered), { reason: 'bad_signature' } as object as Error, 'refused again, not from a cache');
  t.equal(v.cache.size, 1, 'only the valid token is kept');
});

t.test('cache: bounded, least recently used first out; size 0 turns it off', async (t) => {
  const v = verifierFor({}, { cache: { maxEntries: 2, maxAge: 60_000 } });
  const [a, b, c] = ['a', 'b', 'c'].map((s) => tok({ sub: s }));
  v.verifySync(a!);
  v.verifySync(b!);
  v.verifySync(a!); // a is now the most recent
  v.verifySync(c!); // evicts b
  t.equal(v.cache.size, 2);
  const hits = v.cache.hits;
  v.verifySync(a!);
  t.equal(v.cache.hits, hits + 1, 'a is still cached');
  v.verifySync(b!);
  t.equal(v.cache.hits, hits + 1, 'b was evicted');
  const off = verifierFor({}, { cache: { maxEntries: 0, maxAge: 60_000 } });
  off.verifySync(a!);
  off.verifySync(a!);
  t.equal(off.cache.size, 0);
  t.equal(off.cache.hits, 0);
});
