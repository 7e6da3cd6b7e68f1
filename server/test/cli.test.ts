/**
 * The compiled `actorwire` server end to end: a plugin written outside the repo, loaded by path
 * through ACTORWIRE_PLUGINS, serves its message type; SIGTERM drains (1012) and exits 0, also
 * when the signal is sent to `npm start` rather than to node; the old WIRESTATE_* variables
 * still work with a deprecation warning.
 */
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@actorwire/testing';

const repo = resolve(fileURLToPath(import.meta.url), '../../..');

function externalPlugin(): string {
  const dir = mkdtempSync(join(tmpdir(), 'actorwire-ext-'));
  mkdirSync(join(dir, 'node_modules', '@actorwire'), { recursive: true });
  symlinkSync(join(repo, 'core'), join(dir, 'node_modules', '@actorwire', 'core'));
  writeFileSync(join(dir, 'shout.mjs'), `
import { definePlugin } from '@actorwire/core';
export default definePlugin({
  name: 'shout', version: '2.0.0', kernel: '>=0.1.0',
  options: { type: 'object', properties: { suffix: { type: 'string', default: '!' } } },
  register(ctx, opts) {
    ctx.messages.define('shout', {
      schema: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } },
      handle: ({ message, reply }) => reply({ type: 'shouted', data: message.text.toUpperCase() + opts.suffix }),
    });
  },
});
`);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'shout.mjs');
}

const BIN = [process.execPath, join(repo, 'server/dist/bin.js')];
const NPM_START = ['npm', 'start', '--silent'];

function startCli(env: Record<string, string>, command: string[] = BIN): Promise<{ child: ChildProcess; port: number; logs: string[] }> {
  const child = spawn(command[0]!, command.slice(1), {
    cwd: repo,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  return new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`CLI did not start: ${logs.join('\n')}`)), 20_000);
    child.stderr!.on('data', (d) => logs.push(d.toString()));
    child.stdout!.on('data', (d) => {
      for (const line of d.toString().split('\n').filter(Boolean)) {
        logs.push(line);
        try {
          const rec = JSON.parse(line);
          if (rec.msg === 'actorwire listening') {
            clearTimeout(timer);
            resolvePort({ child, port: rec.port, logs });
          }
        } catch {
          // not JSON
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`CLI exited with ${code}: ${logs.join('\n')}`));
    });
  });
}

t.test('an external plugin loaded by path; SIGTERM drains and exits 0', async (t) => {
  const path = externalPlugin();
  const { child, port, logs } = await startCli({ ACTORWIRE_PLUGINS: path });
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  t.ok(logs.some((l) => l.includes('"plugin":"shout"') && l.includes('"version":"2.0.0"')), 'startup log lists the plugin with its version');
  const c = await connect(`ws://127.0.0.1:${port}/ws`);
  const r = await c.request({ type: 'shout', text: 'hi' });
  t.equal(r.type, 'shouted');
  t.equal(r.data, 'HI!');
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  child.kill('SIGTERM');
  const closed = await c.closed;
  t.equal(closed.code, 1012, 'open session closed with 1012');
  t.equal(closed.reason, 'server restarting');
  t.equal(await exited, 0, 'process exits 0');
});

/** A file in a directory of its own, removed after the test file. */
function writeTemp(test: { teardown(fn: () => void): void }, name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'actorwire-cli-'));
  test.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

/** Run the bin with arguments to the end: exit code, stdout, stderr (a server that started would never end: the timeout fails it). */
function runBin(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(BIN[0]!, [...BIN.slice(1), ...args], { cwd: repo, env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`actorwire ${args.join(' ')} did not exit: it started a server? ${out}`)); }, 10_000);
    child.on('exit', (code) => { clearTimeout(timer); resolveRun({ code, out, err }); });
  });
}

t.test('arguments: --help and --version answer and exit; anything else is refused with exit 2 — never a server', async (t) => {
  const help = await runBin(['--help']);
  t.equal(help.code, 0);
  t.match(help.out, /Usage: actorwire \[start\]/);
  const version = await runBin(['--version']);
  t.equal(version.code, 0);
  t.match(version.out, /^actorwire \d+\.\d+\.\d+ \(kernel @actorwire\/core \d+\.\d+\.\d+, Node /);
  for (const args of [['--bogus'], ['start', 'now'], ['genconfig'], ['gen-config', 'extra']]) {
    const r = await runBin(args);
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
    t.match(r.err, /unknown arguments/);
    t.equal(r.out, '', 'no server log: nothing started');
  }
});

t.test('check-config: the effective configuration with secrets masked, or exit 1 naming what is wrong — never a server', async (t) => {
  const SECRET = 'check-config-secret-0123456789-abcdefghij';
  // Only what this test sets chooses the plugins (npm test puts KAFKA_BROKERS and others in the environment).
  const chosenBy = { ACTORWIRE_PLUGINS: undefined, KAFKA_BROKERS: undefined, REST_BASE_URL: undefined, HISTORY_ROOMS: undefined, ACTORWIRE_ADMIN_TOKEN: undefined, REDIS_ADDR: undefined, REDIS_SENTINELS: undefined, ACTORWIRE_CONFIG: undefined };
  const ok = await runBin(['check-config'], { ...chosenBy, JWT_SECRET: SECRET, REDIS_URL: 'redis://:hunter2@127.0.0.1:6379', WEBSOCKET_PING_INTERVAL: '20s' });
  t.equal(ok.code, 0, 'valid: exit 0');
  const printed = JSON.parse(ok.out) as { kernel: { websocket: { pingInterval: number } }; plugins: Record<string, Record<string, unknown>> };
  t.equal(printed.kernel.websocket.pingInterval, 20_000, 'the effective value, as the server would use it');
  t.same(Object.keys(printed.plugins), ['auth', 'rooms', 'dialects', 'redis-pubsub'], 'the plugins `start` would load');
  t.equal(printed.plugins.auth!.secret, '***', 'the JWT secret is masked');
  t.equal(printed.plugins['redis-pubsub']!.url, 'redis://:***@127.0.0.1:6379', 'a password in a URL is masked');
  t.notMatch(ok.out, /hunter2|check-config-secret/, 'no secret anywhere in the output');

  const shipped = await runBin(['check-config'], { ACTORWIRE_CONFIG: join(repo, 'examples/config.yaml') });
  t.equal(shipped.code, 0, `examples/config.yaml passes the check: ${shipped.err}`);
  t.equal((JSON.parse(shipped.out) as { kernel: { websocket: { maxMessageSize: number } } }).kernel.websocket.maxMessageSize, 500 * 1024, 'its sizes read as written (500KB)');
  const wrongKey = await runBin(['check-config'], { ACTORWIRE_CONFIG: writeTemp(t, 'typo.yaml', 'websocket:\n  pingIntervall: 20s\n') });
  t.equal(wrongKey.code, 1);
  t.match(wrongKey.err, /typo\.yaml: websocket\.pingIntervall: unknown key "pingIntervall"/, 'an unknown key is named with its file');
  const bad = await runBin(['check-config'], { WEBSOCKET_PING_INTERVAL: 'often' });
  t.equal(bad.code, 1, 'invalid: exit 1');
  t.match(bad.err, /WEBSOCKET_PING_INTERVAL="often"/, 'names the variable and the value');
  t.equal(bad.out, '', 'nothing printed as configuration');
  const plugin = await runBin(['check-config'], { ACTORWIRE_PLUGINS: 'auth,rooms,nope' });
  t.equal(plugin.code, 1);
  t.match(plugin.err, /cannot load plugin "nope"/, 'a plugin that cannot be loaded is named');
  const options = await runBin(['check-config'], { ACTORWIRE_PLUGINS: 'rooms,history', HISTORY_ROOMS: 'chat-*=0' });
  t.equal(options.code, 1, "a plugin's invalid options fail the check, as they fail startup");
  t.match(options.err, /history|HISTORY_ROOMS/);
  // Plugins' sizes are read like the kernel's: bytes, or with a unit.
  const sizes = await runBin(['check-config'], { ...chosenBy, ACTORWIRE_PLUGINS: 'rooms,redis-pubsub,history', REDIS_URL: 'redis://127.0.0.1:6379', HISTORY_ROOMS: 'chat-*=10', REDIS_MAX_PENDING_BYTES: '8MiB', HISTORY_MAX_PENDING_BYTES: '512KB', HISTORY_MAX_ROOM_BYTES: '2 MiB', ROOMS_NOTIFY_MAX_BODY_SIZE: '64KiB' });
  t.equal(sizes.code, 0, `plugin sizes with units: ${sizes.err}`);
  const plugins = (JSON.parse(sizes.out) as { plugins: Record<string, Record<string, unknown>> }).plugins;
  t.same([plugins['redis-pubsub']!.maxPendingBytes, plugins['redis-pubsub']!.historyMaxPendingBytes, plugins.history!.maxRoomBytes, plugins.rooms!.notifyMaxBodySize], [8 * 1024 * 1024, 512 * 1024, 2 * 1024 * 1024, 64 * 1024]);
  const badSize = await runBin(['check-config'], { ...chosenBy, ACTORWIRE_PLUGINS: 'rooms,redis-pubsub', REDIS_URL: 'redis://127.0.0.1:6379', REDIS_MAX_PENDING_BYTES: 'lots' });
  t.equal(badSize.code, 1);
  t.match(badSize.err, /REDIS_MAX_PENDING_BYTES="lots": expected a size such as 65536, 512KB or 1MiB/, 'a bad size is named with what is expected');
});

t.test('gen-config: every kernel key with its default and variable, every plugin\'s options; check-config accepts it as it is', async (t) => {
  const gen = await runBin(['gen-config']);
  t.equal(gen.code, 0);
  for (const variable of ['PORT', 'WEBSOCKET_PING_INTERVAL', 'ACTORWIRE_DRAIN_GRACE', 'HISTORY_MAX_BYTES', 'TLS_CERT_FILE', 'OTEL_EXPORTER_OTLP_ENDPOINT']) {
    t.match(gen.out, new RegExp(`# ${variable}\\b`), `names ${variable}`);
  }
  t.match(gen.out, /^ {2}pingInterval: 54000 {2}# WEBSOCKET_PING_INTERVAL; ms, or 54s/m, 'a default with its variable and its units');
  t.match(gen.out, /^# {3}rooms: {2}# @actorwire\/plugin-rooms$/m, 'plugins\' options, commented out');
  t.match(gen.out, /^# {5}maxRoomNameLength: 128$/m);
  const file = writeTemp(t, 'generated.yaml', gen.out);
  const checked = await runBin(['check-config'], { ACTORWIRE_CONFIG: file });
  t.equal(checked.code, 0, `check-config accepts it: ${checked.err}`);
});

t.test('token: mints a JWT the server accepts; without a secret it says what is missing', async (t) => {
  const SECRET = 'token-subcommand-secret-0123456789-abcdef';
  const minted = await runBin(['token', '--sub', 'u7', '--role', 'admin', '--ttl', '10m'], { JWT_SECRET: SECRET });
  t.equal(minted.code, 0);
  const token = minted.out.trim();
  const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  t.same([payload.sub, payload.role], ['u7', 'admin']);
  const { child, port } = await startCli({ JWT_SECRET: SECRET });
  t.teardown(() => { child.kill('SIGKILL'); });
  const c = await connect(`ws://127.0.0.1:${port}/ws?token=${token}`);
  t.equal(c.connected?.data.user_id, 'u7', 'the server verifies it');
  c.close();
  const missing = await runBin(['token', '--sub', 'u7'], { JWT_SECRET: undefined });
  t.equal(missing.code, 1);
  t.match(missing.err, /JWT_SECRET is not set.*--secret/s, 'names the variable and the other ways to sign');
  const usage = await runBin(['token', '--bogus']);
  t.equal(usage.code, 2, 'an unknown option is a usage error');
  t.match(usage.err, /Usage: actorwire token/);
});

t.test('a bad plugin path or bad config stops startup with a clear error', async (t) => {
  await t.rejects(startCli({ ACTORWIRE_PLUGINS: './does/not/exist.mjs' }), /cannot load plugin ".\/does\/not\/exist.mjs"/);
  await t.rejects(startCli({ ACTORWIRE_PLUGINS: externalPlugin(), WEBSOCKET_PING_INTERVAL: 'often' }), /WEBSOCKET_PING_INTERVAL/);
});

/** Resolves when nothing accepts connections on the port any more (the server really stopped). */
async function portClosed(port: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await fetch(`http://127.0.0.1:${port}/health`).then(() => true, () => false);
    if (!open) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  t.test(`${signal} sent to \`npm start\` drains the server: 1012, exit, no orphan`, async (t) => {
    const { child, port } = await startCli({ ACTORWIRE_PLUGINS: 'auth,rooms' }, NPM_START);
    t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
    const health = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.json() as Promise<{ service: string }>);
    t.equal(health.service, 'actorwire');
    const c = await connect(`ws://127.0.0.1:${port}/ws`);
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    child.kill(signal);
    const closed = await c.closed;
    t.equal(closed.code, 1012, 'the open session is closed with 1012');
    t.equal(await exited, 0, 'npm start exits 0');
    t.ok(await portClosed(port), 'nothing listens on the port afterwards (no orphaned server)');
  });
}

t.test('WIRESTATE_* variables still work for one release, with a deprecation warning', async (t) => {
  const { child, port, logs } = await startCli({ WIRESTATE_PLUGINS: externalPlugin() });
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const c = await connect(`ws://127.0.0.1:${port}/ws`);
  const r = await c.request({ type: 'shout', text: 'old' });
  t.equal(r.data, 'OLD!', 'the plugin named by WIRESTATE_PLUGINS is loaded');
  t.ok(logs.some((l) => l.includes('DeprecationWarning') && l.includes('WIRESTATE_PLUGINS') && l.includes('use ACTORWIRE_PLUGINS')), 'the warning names the new variable');
  child.kill('SIGTERM');
  await c.closed;
});

t.test('REST_BASE_URL: the server loads snapshots and analytics and serves both from the upstream', async (t) => {
  const { createServer } = await import('node:http');
  const { SignJWT } = await import('jose');
  const upstream = createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: req.url })));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  t.teardown(() => upstream.close());
  const secret = 'cli-snapshots-secret-0123456789-abcdefghij';
  const { child, port, logs } = await startCli({ JWT_SECRET: secret, REST_BASE_URL: `http://127.0.0.1:${(upstream.address() as { port: number }).port}`, WS_DEFAULT_ENTITY: 'tables' });
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  t.ok(logs.some((l) => l.includes('"plugin":"snapshots"')), 'the startup log lists snapshots');
  const token = await new SignJWT({ sub: 'u1', exp: Math.floor(Date.now() / 1000) + 60 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(secret));
  const c = await connect(`ws://127.0.0.1:${port}/ws/section/s1/${token}`);
  const f = await c.request({ action: 'list' });
  t.equal(f.type, 'tables.list');
  t.same(f.payload, { url: '/tables?section=s1' });
  await c.close();
  t.ok(logs.some((l) => l.includes('"plugin":"analytics"')), 'the startup log lists analytics');
  const a = await connect(`ws://127.0.0.1:${port}/ws/analytics/public/users?startDate=2024-01-01`);
  const snap = await a.next('analytics-public-users.snapshot');
  t.same(snap.payload, { url: '/analytics/public/users?startDate=2024-01-01' });
  await a.close();
});

t.test('the Go module\'s YAML config file: kernel and plugin settings apply; connects and disconnects are logged', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'actorwire-yaml-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'config.yaml');
  writeFileSync(path, [
    'websocket:',
    '  enabled: true',
    '  max_message_size: 200',
    '  write_wait: "10s"',
    '  limits:',
    '    max_connections_per_room: 1',
  ].join('\n'));
  const { child, port, logs } = await startCli({ ACTORWIRE_CONFIG: path, ACTORWIRE_DEFAULT_AUTH: 'none', ROOMS_ALLOW_ANONYMOUS: 'true' });
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  t.ok(logs.some((l) => l.includes('WEBSOCKET_WRITE_WAIT has no effect')), 'a setting that cannot apply is reported');
  const a = await connect(`ws://127.0.0.1:${port}/ws`);
  const b = await connect(`ws://127.0.0.1:${port}/ws`);
  t.equal((await a.request({ type: 'subscribe', room: 'tiny' })).type, 'subscribed');
  t.equal((await b.request({ type: 'subscribe', room: 'tiny' })).code, 'ROOM_FULL', 'the rooms plugin read limits.max_connections_per_room');
  b.send({ type: 'ping', pad: 'x'.repeat(300) });
  t.equal((await b.next('error')).code, 'TOO_LARGE', 'the kernel read max_message_size (an unread frame has no id to echo)');
  await b.close(1000);
  const events = async () => logs.flatMap((l) => { try { return [JSON.parse(l)]; } catch { return []; } });
  const { until } = await import('@actorwire/testing');
  await until(async () => (await events()).some((r) => r.msg === 'client disconnected'), 3000, 'disconnect logged');
  const connected = (await events()).filter((r) => r.msg === 'client connected');
  t.equal(connected.length, 2);
  t.same(Object.keys(connected[0]).filter((k) => ['client_id', 'user_id', 'route', 'remote'].includes(k)).sort(), ['client_id', 'remote', 'route', 'user_id']);
  t.equal(connected[0].level, 30, 'at info');
  const gone = (await events()).find((r) => r.msg === 'client disconnected');
  t.equal(gone.code, 1000);
  t.equal(gone.route, '/ws');
  t.type(gone.duration_ms, 'number');
  await a.close();
});

t.test('SIGUSR1 (Node opens its inspector) leaves the server serving; SIGUSR2 (nodemon\'s restart) drains like SIGTERM', async (t) => {
  const { child, port } = await startCli({ ACTORWIRE_PLUGINS: 'auth,rooms', NODE_OPTIONS: '--inspect-port=0' });
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const c = await connect(`ws://127.0.0.1:${port}/ws`);
  child.kill('SIGUSR1');
  await new Promise((r) => setTimeout(r, 300));
  t.equal(child.exitCode, null, 'still running after SIGUSR1');
  t.equal(await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status, () => 0), 200, 'still serving HTTP (no library closed it)');
  t.equal((await c.request({ type: 'ping' })).type, 'pong', 'the open session still works');
  const c2 = await connect(`ws://127.0.0.1:${port}/ws`);
  t.equal((await c2.request({ type: 'ping' })).type, 'pong', 'new connections are accepted');
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  child.kill('SIGUSR2');
  t.equal((await c.closed).code, 1012, 'SIGUSR2: sessions closed with 1012');
  t.equal(await exited, 0, 'and the process exits 0');
});
