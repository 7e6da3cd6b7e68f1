/** `npm run token` (the compiled `actorwire-token` bin): prints a token that the plugin accepts, with the claims asked for. */
import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { jwtVerify } from 'jose';
import { SECRET, startAuth } from './fixtures/helpers.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const cli = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, ['plugins/auth/dist/bin/token.js', ...args], { cwd: root, env: { ...process.env, ...env } });

t.test('mints an HS256 token with sub, role and ttl that verifies and authenticates', async (t) => {
  const { stdout } = await cli(['--sub', 'u1', '--role', 'admin', '--ttl', '1h'], { JWT_SECRET: SECRET });
  const token = stdout.trim();
  t.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'only the token on stdout');
  const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(SECRET));
  t.equal(protectedHeader.alg, 'HS256');
  t.equal(payload.sub, 'u1');
  t.equal(payload.role, 'admin');
  t.ok(Math.abs((payload.exp as number) - Math.floor(Date.now() / 1000) - 3600) <= 2, 'exp one hour ahead');

  const srv = await startAuth({ secret: SECRET });
  t.teardown(() => srv.stop());
  const c = await srv.connect(`/ws?token=${token}`);
  t.equal(c.connected?.data.user_id, 'u1');
});

t.test('without a secret it fails with a clear message and a non-zero exit', async (t) => {
  const env = { ...process.env };
  delete env.JWT_SECRET;
  const err = await run(process.execPath, ['--import', 'tsx', 'plugins/auth/src/bin/token.ts', '--sub', 'u1'], { cwd: root, env }).then(
    () => undefined,
    (e: { code: number; stderr: string }) => e,
  );
  t.ok(err, 'exits non-zero');
  t.match(err?.stderr ?? '', /JWT_SECRET/, 'names JWT_SECRET');
});
