/**
 * The token commands the examples' READMEs tell a reader to run work in this repository as
 * written (run from its root), and print a JWT the auth plugin accepts with the claims asked for.
 * An earlier README said `npx actorwire-token`, which asks the npm registry for a package named so
 * and fails with 404.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createHmac, timingSafeEqual } from 'node:crypto';

const run = promisify(execFile);
const repo = resolve(fileURLToPath(import.meta.url), '../../../..');
const SECRET = 'readme-secret-at-least-32-bytes-long-000';

/** An HS256 JWT's payload, after checking its signature with the secret. */
function verifyHs256(token: string, secret: string): Record<string, unknown> {
  const [header, payload, signature] = token.split('.');
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature ?? '', 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error(`bad signature: ${token}`);
  return JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
}

/** `npm run -s token -- …` invocations in a README, with their arguments (up to a closing `)` or backtick). */
function tokenCommands(readme: string): string[][] {
  const out: string[][] = [];
  for (const m of readme.matchAll(/npm run -s token -- ([^)`\n]+)/g)) out.push(m[1]!.trim().split(/\s+/));
  return out;
}

for (const example of ['chat', 'dashboard']) {
  t.test(`examples/${example}/README.md`, async (t) => {
    const readme = readFileSync(join(repo, 'examples', example, 'README.md'), 'utf8');
    t.notMatch(readme, /npx actorwire-token/, 'no command that asks the registry for a package that is not there');
    const commands = tokenCommands(readme).filter((args) => !args.includes('--help'));
    t.ok(commands.length > 0, 'the README shows how to mint a token');
    for (const args of commands) {
      const { stdout } = await run('npm', ['run', '-s', 'token', '--', ...args], { cwd: repo, env: { ...process.env, JWT_SECRET: SECRET } });
      const payload = verifyHs256(stdout.trim(), SECRET);
      const sub = args[args.indexOf('--sub') + 1];
      t.equal(payload.sub, sub, `${args.join(' ')}: a verified token for ${sub}`);
      const claim = args.indexOf('--claim');
      if (claim >= 0) {
        const [k, v] = args[claim + 1]!.split('=');
        t.equal(String(payload[k!]), v, `${args.join(' ')}: claim ${k}`);
      }
    }
  });
}
