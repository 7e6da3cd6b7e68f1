/**
 * Tokens for tests: an HS256 JWT signed with a known secret, so a test gives the auth plugin
 * `{ secret: TEST_SECRET }` and connects as anyone it likes — no key files, no token service.
 */
import { createHmac } from 'node:crypto';

/** The secret `testToken` signs with unless told otherwise (long enough for the auth plugin's minimum). */
export const TEST_SECRET = 'actorwire-test-secret-do-not-use-in-production-0123456789';

export interface TestTokenOptions {
  /** Default TEST_SECRET. */
  secret?: string;
  /** Seconds until `exp` (default 600); `null` for no `exp`. */
  ttl?: number | null;
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** A signed JWT with `claims` (`sub` defaults to `user-1`), `iat` now and `exp` in `ttl` seconds. */
export function testToken(claims: Record<string, unknown> = {}, opts: TestTokenOptions = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const ttl = opts.ttl === undefined ? 600 : opts.ttl;
  const payload = { sub: 'user-1', iat: now, ...(ttl === null ? {} : { exp: now + ttl }), ...claims };
  const signing = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}`;
  return `${signing}.${createHmac('sha256', opts.secret ?? TEST_SECRET).update(signing).digest('base64url')}`;
}
