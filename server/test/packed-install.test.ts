/**
 * What a user does: `npm pack` every package, install the tarballs into a fresh application
 * outside the repository (their dependencies come from the npm registry, as for anyone), then
 * run it. No GitHub access, no hand-written overrides: /health must report the native
 * uWebSockets.js build, a client must get `pong`, a third-party plugin must load by its package
 * name through ACTORWIRE_PLUGINS, and the published types must compile in a TypeScript app. A
 * plugin scaffolded with `create-actorwire-plugin` builds and passes its own tests out here, against
 * the packed kernel.
 */
import t from 'tap';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connect } from '@actorwire/testing';

const run = promisify(execFile);
const repo = resolve(fileURLToPath(import.meta.url), '../../..');
const WORKSPACES = ['packages/errors', 'packages/telemetry', 'packages/inputs', 'packages/actors', 'core', 'client', 'packages/testing', 'packages/create-actorwire-plugin', 'packages/config', 'plugins/auth', 'plugins/rooms', 'plugins/redis-pubsub', 'plugins/kafka', 'plugins/snapshots', 'plugins/analytics', 'plugins/dialects', 'plugins/history', 'plugins/admin', 'server', 'examples/custom-plugin'];

t.setTimeout(300_000);

/** The environment without what `npm test` (an npm script) put there, so npm in the app behaves as a user's. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) && k !== 'INIT_CWD' && k !== 'NODE_OPTIONS') env[k] = v;
  return { ...env, ...extra };
}

interface PackResult { filename: string; name: string; size: number; unpackedSize: number; files: { path: string }[] }

const dir = mkdtempSync(join(tmpdir(), 'actorwire-packed-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const app = join(dir, 'app');

t.before(async () => {
  // The build is up to date (npm test builds first), so prepack scripts need not run again.
  const args = ['pack', '--json', '--ignore-scripts', '--pack-destination', dir, ...WORKSPACES.flatMap((w) => ['-w', w])];
  const { stdout } = await run('npm', args, { cwd: repo, env: cleanEnv(), maxBuffer: 64 << 20 });
  const packed = JSON.parse(stdout) as PackResult[];
  packs.push(...packed);
  await run('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'packed-app', private: true, type: 'module' }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...packed.map((p) => join(dir, p.filename))], { cwd: app, env: cleanEnv(), maxBuffer: 64 << 20 });
});
const packs: PackResult[] = [];

t.test('every package packs built JavaScript, types, a README and a LICENSE, and no tests', async (t) => {
  t.equal(packs.length, WORKSPACES.length);
  for (const p of packs) {
    const files = p.files.map((f) => f.path);
    t.comment(`${p.filename}: ${(p.size / 1024).toFixed(1)} KiB packed, ${(p.unpackedSize / 1024).toFixed(1)} KiB unpacked, ${files.length} files`);
    t.ok(files.includes('dist/index.js') || files.includes('dist/bin.js'), `${p.name}: built JavaScript`);
    t.ok(files.some((f) => f.endsWith('.d.ts')), `${p.name}: type declarations`);
    t.ok(files.includes('README.md') && files.includes('LICENSE'), `${p.name}: README and LICENSE`);
    t.notOk(files.some((f) => /(^|\/)test\/|\.test\.|tsbuildinfo/.test(f)), `${p.name}: no tests or build state`);
  }
});

t.test('the installed app has no GitHub dependency and the registry builds of uWebSockets.js', async (t) => {
  t.notOk(existsSync(join(app, 'node_modules/hyper-express')), 'hyper-express is bundled into core, not installed');
  t.notOk(existsSync(join(app, 'node_modules/uWebSockets.js')), 'nothing is installed under the GitHub build\'s name');
  for (const name of ['@btc-vision/uwebsockets.js', '@trufflesuite/uws-js-unofficial']) {
    t.ok(existsSync(join(app, 'node_modules', name, 'package.json')), `${name} is installed (core's optional dependency)`);
  }
});

/** Start a process of the app and resolve when it logs that it listens. */
function startApp(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, { cwd: app, env: cleanEnv({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`app did not start:\n${logs.join('')}`)), 20_000);
    child.stderr!.on('data', (d) => logs.push(String(d)));
    child.stdout!.on('data', (d) => {
      logs.push(String(d));
      const m = /"port":(\d+)[^\n]*"msg":"actorwire listening"/.exec(logs.join(''));
      if (m) {
        clearTimeout(timer);
        res({ child, port: Number(m[1]) });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`app exited with ${code}:\n${logs.join('')}`));
    });
  });
}

/** SIGTERM the app; resolves with its exit code. */
function stopApp(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  child.kill('SIGTERM');
  return exited;
}

t.test('an application using the library API: native uWS, pong, a plugin imported by name', async (t) => {
  writeFileSync(join(app, 'server.mjs'), `
import { createKernel } from '@actorwire/core';
import { loadConfig } from '@actorwire/config';
import auth from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import dice from '@acme/actorwire-plugin-dice';
const kernel = createKernel({ config: loadConfig({ env: process.env }), plugins: [[auth, {}], [rooms, {}], [dice, { sides: 20 }]] });
process.on('SIGTERM', () => kernel.stop().then(() => process.exit(0)));
await kernel.start();
`);
  const { child, port } = await startApp(['server.mjs'], {});
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const health = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.json()) as { uws: { native: boolean }; plugins: Record<string, string> };
  t.equal(health.uws.native, true, '/health: native uWebSockets.js');
  t.same(health.plugins, { auth: '0.2.0', rooms: '0.2.0', dice: '1.0.0' }, 'versions come from each package.json');
  const c = await connect(`ws://127.0.0.1:${port}/ws`);
  const pong = await c.request({ type: 'ping' });
  t.equal(pong.type, 'pong');
  const rolled = await c.request({ type: 'roll', times: 3 });
  t.ok((rolled.data as number[]).every((n) => n >= 1 && n <= 20), 'the plugin got its options');
  t.equal(await stopApp(child), 0, 'SIGTERM: exits 0');
});

t.test('the actorwire bin loads a third-party plugin by package name through ACTORWIRE_PLUGINS', async (t) => {
  const { child, port } = await startApp([join(app, 'node_modules/.bin/actorwire')], { ACTORWIRE_PLUGINS: 'auth,rooms,@acme/actorwire-plugin-dice', DICE_SIDES: '2' });
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const health = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.json()) as { uws: { native: boolean }; plugins: Record<string, string> };
  t.equal(health.uws.native, true);
  t.equal(health.plugins.dice, '1.0.0');
  const c = await connect(`ws://127.0.0.1:${port}/ws/dice`);
  t.equal((await c.request({ type: 'ping' })).type, 'pong');
  const rolled = await c.request({ type: 'roll', times: 10 });
  t.ok((rolled.data as number[]).every((n) => n === 1 || n === 2), 'DICE_SIDES reached the plugin through optionsFromEnv');
  const closed = c.closed;
  t.equal(await stopApp(child), 0, 'SIGTERM: exits 0');
  t.equal((await closed).code, 1012, 'the session was drained with 1012');
});

t.test('the published types compile in a TypeScript application (no source condition)', async (t) => {
  writeFileSync(join(app, 'check.ts'), `
import { createKernel, definePlugin, isActorwireError, protocolError, type PluginContext, type HttpRequest } from '@actorwire/core';
import { startTestServer } from '@actorwire/testing';
import auth, { type AuthOptions } from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import dice, { type DiceOptions } from '@acme/actorwire-plugin-dice';
const opts: DiceOptions = { sides: 6, maxTimes: 2 };
const authOpts: Partial<AuthOptions> = {};
const mine = definePlugin<{ greeting: string }>({
  name: 'hello', version: '1.0.0', kernel: '^0.2.0',
  register(ctx: PluginContext, o) {
    ctx.routes.http('get', '/hello', (req: HttpRequest) => ({ greeting: o.greeting, path: req.path }));
  },
});
const k = createKernel({ plugins: [[auth, authOpts], [rooms, {}], [dice, opts], [mine, { greeting: 'hi' }]] });
const e: unknown = protocolError('FORBIDDEN');
if (isActorwireError(e)) console.log(e.code.toUpperCase());
void k; void startTestServer;
`);
  const tsc = join(repo, 'node_modules/typescript/bin/tsc');
  const args = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', 'false',
    '--types', 'node', '--typeRoots', join(repo, 'node_modules/@types'), 'check.ts'];
  const out = await run(process.execPath, [tsc, ...args], { cwd: app, env: cleanEnv() }).then(() => '', (err: { stdout: string }) => err.stdout);
  t.equal(out, '', 'tsc reports no error');
});

t.test('create-actorwire-plugin: the scaffolded plugin installs, builds and passes its tests outside the repository', async (t) => {
  const plugin = join(dir, 'greet');
  const made = await run(process.execPath, [join(app, 'node_modules/create-actorwire-plugin/dist/bin.js'), '@acme/actorwire-plugin-greet', plugin], { cwd: dir, env: cleanEnv() });
  t.match(made.stdout, /Wrote the plugin "greet"/);
  // The kernel and the test kit as a user gets them (packed; their own libraries packed too), the rest from the registry.
  const kernel = ['@actorwire/core', '@actorwire/testing', '@actorwire/errors', '@actorwire/config', '@actorwire/telemetry', '@actorwire/inputs', '@actorwire/actors'];
  const tarballs = packs.filter((p) => kernel.includes(p.name)).map((p) => join(dir, p.filename));
  t.equal(tarballs.length, kernel.length, 'every kernel package was packed');
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--save-dev', ...tarballs], { cwd: plugin, env: cleanEnv(), maxBuffer: 64 << 20 });
  await run('npm', ['run', 'build'], { cwd: plugin, env: cleanEnv() });
  t.ok(existsSync(join(plugin, 'dist/index.js')) && existsSync(join(plugin, 'dist/index.d.ts')), 'built JavaScript with types');
  const tested = await run('npm', ['test'], { cwd: plugin, env: cleanEnv(), maxBuffer: 16 << 20 }).catch((err: { stdout: string; stderr: string }) => err);
  t.match(tested.stdout, /# pass 2/, `its two tests pass:\n${tested.stdout.slice(-600)}${tested.stderr?.slice(-600) ?? ''}`);
  t.match(tested.stdout, /# fail 0/);
});
