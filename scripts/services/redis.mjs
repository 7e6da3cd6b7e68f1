#!/usr/bin/env node
// Real Redis for tests, CI and development.
//
//   import { ensureRedis, startRedisServer, startRedisCluster } from './scripts/services/redis.mjs';
//
//   node scripts/services/redis.mjs status|start|stop
//
// See README.md next to this file.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  sleep,
  cacheRoot,
  freePorts,
  tailFile,
  isAlive,
  cmdlineOf,
  terminate,
  rmrf,
  spawnOwned,
  spawnDetached,
  disown,
  sweepStaleTempDirs,
  makeTempDir,
  readJson,
  writeJson,
  isMain,
} from './_common.mjs';

const TEMP_PREFIX = 'actorwire-redis-';
const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 6379;
const runFile = () => path.join(cacheRoot(), 'redis', 'run.json');

function log(...args) {
  console.error('[services:redis]', ...args);
}

// ---------------------------------------------------------------------------
// Raw RESP helpers (no client library needed)
// ---------------------------------------------------------------------------

/**
 * Send one inline command and return the first complete RESP reply as a string
 * ("+PONG", "-ERR …", or the body of a bulk string). Rejects on connect error/timeout.
 */
export function rawCommand(host, port, command, { timeoutMs = 2000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = '';
    const done = (err, val) => {
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolve(val);
    };
    const timer = setTimeout(() => done(new Error(`timeout after ${timeoutMs} ms talking to ${host}:${port}`)), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${command}\r\n`));
    sock.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\r\n');
      if (nl < 0) return;
      const head = buf.slice(0, nl);
      if (head[0] === '$') {
        const len = Number(head.slice(1));
        if (len < 0) return done(null, null);
        if (Buffer.byteLength(buf.slice(nl + 2)) >= len + 2) return done(null, buf.slice(nl + 2, nl + 2 + len));
        return;
      }
      done(null, head);
    });
    sock.on('error', (e) => done(e));
    sock.on('close', () => done(new Error(`connection to ${host}:${port} closed before a reply`)));
  });
}

/** true if host:port answers `PING` with `+PONG`. */
export async function ping(host = DEFAULT_HOST, port = DEFAULT_PORT, opts = {}) {
  try {
    return (await rawCommand(host, port, 'PING', opts)) === '+PONG';
  } catch {
    return false;
  }
}

async function waitForPing(host, port, { deadlineMs = 15_000, isDead } = {}) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (isDead?.()) return false;
    if (await ping(host, port, { timeoutMs: 1000 })) return true;
    await sleep(50);
  }
  return false;
}

/** Verify a redis:// or rediss:// URL (auth, TLS, db) with ioredis PING. */
async function verifyUrl(url, timeoutMs = 10_000) {
  let Redis;
  try {
    Redis = (await import('ioredis')).default;
  } catch {
    // Without ioredis, fall back to a raw PING (works for unauthenticated plain TCP).
    const u = new URL(url);
    if (!(await ping(u.hostname, Number(u.port || DEFAULT_PORT), { timeoutMs }))) throw new Error('no +PONG');
    return;
  }
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let lastErr = null;
  client.on('error', (e) => {
    lastErr = e;
  });
  try {
    await client.connect();
    const pong = await client.ping();
    if (pong !== 'PONG') throw new Error(`PING answered ${pong}`);
  } catch (e) {
    throw lastErr && lastErr !== e ? new Error(`${lastErr.message} (${e.message})`) : e;
  } finally {
    client.disconnect();
  }
}

// ---------------------------------------------------------------------------
// redis-server binary
// ---------------------------------------------------------------------------

function which(bin) {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8', timeout: 5000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

let binariesChecked = false;
/**
 * Make sure redis-server and redis-cli exist. In CI (CI=true) as root, installs them
 * with apt-get; otherwise throws a clear error.
 */
export function ensureRedisBinaries() {
  if (binariesChecked) return;
  if (which('redis-server') && which('redis-cli')) {
    binariesChecked = true;
    return;
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (process.env.CI === 'true' && isRoot) {
    log('redis-server/redis-cli missing: installing with apt-get (CI=true, root) ...');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'redis-server', 'redis-tools']]) {
      const r = spawnSync('apt-get', args, { env, stdio: ['ignore', 'inherit', 'inherit'], timeout: 10 * 60_000 });
      if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''})`);
    }
    if (!which('redis-server') || !which('redis-cli')) throw new Error('apt-get installed redis-server but it is still not on PATH');
    binariesChecked = true;
    return;
  }
  throw new Error(
    'redis-server (and redis-cli) not found on PATH. Install them (Debian/Ubuntu: `apt-get install -y redis-server redis-tools`), ' +
      'or set REDIS_URL to a reachable Redis.' +
      (process.env.CI === 'true' ? ' (CI=true but not root, so it could not be installed automatically.)' : ''),
  );
}

function redisMajor() {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8', timeout: 5000 });
  const m = /v=(\d+)\./.exec(r.stdout || '');
  return m ? Number(m[1]) : 0;
}

function serverArgs(port, dir, extra = []) {
  return [
    '--port', String(port),
    '--bind', DEFAULT_HOST,
    '--save', '',
    '--appendonly', 'no',
    '--dir', dir,
    '--daemonize', 'no',
    '--protected-mode', 'no',
    '--loglevel', 'notice',
    ...extra,
  ];
}

async function spawnServer({ port, dir, extra = [], detached = false, deadlineMs = 15_000, ownedDir }) {
  if (port === DEFAULT_PORT) throw new Error('refusing to start a throwaway redis-server on 6379 (the machine Redis lives there)');
  const logFile = path.join(dir, 'redis.log');
  const args = serverArgs(port, dir, extra);
  const child = detached
    ? spawnDetached('redis-server', args, { logFile, cwd: dir })
    : spawnOwned('redis-server', args, { logFile, cwd: dir, dir: ownedDir });
  if (!child.pid) throw new Error(`could not spawn redis-server: ${child.spawnError?.message ?? 'no pid'}`);
  const isDead = () => (detached ? !isAlive(child.pid) : child.exitCode !== null || child.signalCode !== null);
  if (!(await waitForPing(DEFAULT_HOST, port, { deadlineMs, isDead }))) {
    await terminate(child.pid, { graceMs: 2000, child: detached ? null : child });
    disown(child.pid);
    throw new Error(
      `redis-server on ${DEFAULT_HOST}:${port} did not answer PING within ${deadlineMs} ms` +
        `${isDead() ? ' (process exited)' : ''}\n--- ${logFile} ---\n${tailFile(logFile, 30)}`,
    );
  }
  return { child, logFile };
}

async function stopChild(child, graceMs = 5000) {
  if (!child?.pid) return;
  await terminate(child.pid, { graceMs, child });
  disown(child.pid);
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/**
 * A dedicated, throwaway redis-server (never the machine's 6379).
 * `kill()` SIGKILLs it (simulates a crash); `restart()` brings it back on the SAME port
 * (empty dataset: nothing is persisted); `stop()` ends it and removes its temp dir.
 * @param {{port?: number, args?: string[]}} [opts]
 * @returns {Promise<{url: string, host: string, port: number, pid: number, stop(): Promise<void>, restart(): Promise<void>, kill(signal?: string): Promise<void>}>}
 */
export async function startRedisServer(opts = {}) {
  ensureRedisBinaries();
  sweepStaleTempDirs(TEMP_PREFIX);
  const dir = makeTempDir(TEMP_PREFIX);
  const extra = opts.args ?? [];
  let port = opts.port ?? (await freePorts(1))[0];
  let current;
  try {
    current = await spawnServer({ port, dir, extra, ownedDir: dir });
  } catch (e) {
    // The OS-assigned port may have been grabbed in between: one retry on a new port.
    if (opts.port) {
      rmrf(dir);
      throw e;
    }
    port = (await freePorts(1))[0];
    try {
      current = await spawnServer({ port, dir, extra, ownedDir: dir });
    } catch (e2) {
      rmrf(dir);
      throw e2;
    }
  }
  const handle = {
    host: DEFAULT_HOST,
    port,
    url: `redis://${DEFAULT_HOST}:${port}`,
    started: true,
    get pid() {
      return current?.child?.pid ?? null;
    },
    get logFile() {
      return path.join(dir, 'redis.log');
    },
    /** Abruptly kill the server (default SIGKILL) and wait until it is gone. */
    async kill(signal = 'SIGKILL') {
      const c = current?.child;
      if (!c?.pid || c.exitCode !== null || c.signalCode !== null) return;
      try {
        process.kill(c.pid, signal);
      } catch {
        /* gone */
      }
      await terminate(c.pid, { graceMs: 5000, child: c });
      disown(c.pid);
    },
    /** Stop (if running) and start again on the same port. */
    async restart() {
      await stopChild(current?.child);
      fs.mkdirSync(dir, { recursive: true });
      // The port may stay busy for a moment after the old process died: retry bounded.
      const deadline = Date.now() + 15_000;
      for (;;) {
        try {
          current = await spawnServer({ port, dir, extra, deadlineMs: 5000, ownedDir: dir });
          return;
        } catch (e) {
          if (Date.now() > deadline) throw new Error(`redis-server restart on port ${port} failed: ${e.message}`);
          await sleep(200);
        }
      }
    },
    async stop() {
      await stopChild(current?.child);
      current = null;
      rmrf(dir);
    },
  };
  return handle;
}

/**
 * Redis for tests: REDIS_URL if set (verified with PING); else the local server on
 * 127.0.0.1:6379 if it answers PING; else a throwaway redis-server on a free port.
 * @returns {Promise<{url: string, started: boolean, stop(): Promise<void>}>}
 */
/**
 * A throwaway Sentinel group: a master, a replica and `sentinels` sentinels (`redis-server
 * <conf> --sentinel`, what Debian's redis-sentinel runs), monitoring the master as `name`, ready
 * when the replica is in sync and every sentinel knows the replica and the other sentinels.
 * `master` / `replica` are startRedisServer handles (`master.kill()` makes a failover);
 * `masterPort()` asks a sentinel which port is the master now.
 * @param {{name?: string, sentinels?: number, downAfterMs?: number}} [opts]
 */
export async function startSentinelGroup(opts = {}) {
  const name = opts.name ?? 'm';
  const count = opts.sentinels ?? 3;
  const master = await startRedisServer();
  const replica = await startRedisServer({ args: ['--replicaof', DEFAULT_HOST, String(master.port)] });
  const dir = makeTempDir(TEMP_PREFIX);
  const children = [];
  const ports = await freePorts(count);
  try {
    for (const port of ports) {
      const conf = path.join(dir, `sentinel-${port}.conf`);
      fs.writeFileSync(conf, [
        `port ${port}`, `bind ${DEFAULT_HOST}`, `dir ${dir}`, 'protected-mode no',
        `sentinel monitor ${name} ${DEFAULT_HOST} ${master.port} ${Math.floor(count / 2) + 1}`,
        `sentinel down-after-milliseconds ${name} ${opts.downAfterMs ?? 1000}`,
        `sentinel failover-timeout ${name} 5000`, `sentinel parallel-syncs ${name} 1`, '',
      ].join('\n'));
      const child = spawnOwned('redis-server', [conf, '--sentinel'], { logFile: path.join(dir, `sentinel-${port}.log`), cwd: dir, dir });
      children.push(child);
      if (!(await waitForPing(DEFAULT_HOST, port))) throw new Error(`sentinel on ${port} did not answer PING\n${tailFile(path.join(dir, `sentinel-${port}.log`), 20)}`);
    }
    const deadline = Date.now() + 30_000;
    for (;;) {
      const info = await rawCommand(DEFAULT_HOST, replica.port, 'INFO replication').catch(() => '');
      const ready = String(info).includes('master_link_status:up') && (await sentinelsReady(ports, name, count));
      if (ready) break;
      if (Date.now() > deadline) throw new Error('the Sentinel group did not settle within 30 s');
      await sleep(100);
    }
  } catch (e) {
    for (const c of children) await stopChild(c);
    await replica.stop();
    await master.stop();
    rmrf(dir);
    throw e;
  }
  return {
    name,
    sentinels: ports.map((p) => `${DEFAULT_HOST}:${p}`),
    master,
    replica,
    async masterPort() {
      for (const p of ports) {
        const port = await sentinelMasterPort(p, name).catch(() => undefined);
        if (port !== undefined) return port;
      }
      return undefined;
    },
    async stop() {
      for (const c of children) await stopChild(c);
      await replica.stop();
      await master.stop();
      rmrf(dir);
    },
  };
}

/** Each sentinel sees the replica and the other sentinels (from `SENTINEL MASTER`'s fields). */
async function sentinelsReady(ports, name, count) {
  for (const p of ports) {
    const fields = await sentinelFields(p, `SENTINEL MASTER ${name}`).catch(() => undefined);
    if (!fields || Number(fields['num-slaves']) < 1 || Number(fields['num-other-sentinels']) < count - 1) return false;
  }
  return true;
}

async function sentinelMasterPort(port, name) {
  const reply = await sentinelArray(port, `SENTINEL GET-MASTER-ADDR-BY-NAME ${name}`);
  return reply.length === 2 ? Number(reply[1]) : undefined;
}

async function sentinelFields(port, command) {
  const flat = await sentinelArray(port, command);
  const out = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}

/** A flat RESP array of bulk strings (what SENTINEL answers), read whole. */
function sentinelArray(port, command, timeoutMs = 1000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: DEFAULT_HOST, port });
    let buf = '';
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('timeout')); }, timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${command}\r\n`));
    sock.on('data', (d) => {
      buf += d;
      const parsed = parseFlatArray(buf);
      if (parsed === undefined) return;
      clearTimeout(timer);
      sock.destroy();
      resolve(parsed);
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

/** `*N` then N bulk strings (`$len` + text); undefined until all of it arrived. */
function parseFlatArray(buf) {
  const lines = buf.split('\r\n');
  if (!lines[0]?.startsWith('*')) return lines[0]?.startsWith('-') ? [] : undefined;
  const n = Number(lines[0].slice(1));
  if (n <= 0) return [];
  const out = [];
  for (let i = 1; out.length < n; i += 2) {
    if (i + 1 >= lines.length) return undefined;
    if (!lines[i].startsWith('$')) return undefined;
    out.push(lines[i + 1]);
  }
  return out;
}

export async function ensureRedis(opts = {}) {
  const envUrl = opts.url ?? process.env.REDIS_URL;
  if (envUrl) {
    try {
      await verifyUrl(envUrl, opts.verifyTimeoutMs ?? 10_000);
    } catch (e) {
      throw new Error(`REDIS_URL=${envUrl} is set but Redis there does not answer PING: ${e.message}`);
    }
    return { url: envUrl, started: false, stop: async () => {} };
  }
  if (opts.useLocal !== false && (await ping(DEFAULT_HOST, DEFAULT_PORT, { timeoutMs: 1000 }))) {
    return { url: `redis://${DEFAULT_HOST}:${DEFAULT_PORT}`, started: false, stop: async () => {} };
  }
  const s = await startRedisServer(opts);
  return { url: s.url, started: true, stop: () => s.stop(), server: s };
}

/**
 * A local Redis Cluster of `masters` masters (no replicas), each node a throwaway
 * redis-server with its own temp dir and nodes.conf. Requires redis-server >= 7
 * (explicit --cluster-port, sharded pub/sub).
 * @param {{masters?: number, deadlineMs?: number}} [opts]
 * @returns {Promise<{nodes: {host: string, port: number}[], urls: string[], stop(): Promise<void>}>}
 */
export async function startRedisCluster(opts = {}) {
  const masters = opts.masters ?? 3;
  if (masters < 3) throw new Error('a Redis Cluster needs at least 3 masters');
  ensureRedisBinaries();
  const major = redisMajor();
  if (major && major < 7) throw new Error(`startRedisCluster needs redis-server >= 7 (found ${major}.x)`);
  sweepStaleTempDirs(TEMP_PREFIX);
  const deadlineMs = opts.deadlineMs ?? 30_000;
  const root = makeTempDir(TEMP_PREFIX);
  const children = [];
  const stop = async () => {
    await Promise.all(children.map((c) => stopChild(c)));
    children.length = 0;
    rmrf(root);
  };
  try {
    // Each node needs a client port and a cluster-bus port (port+10000 may overflow 65535).
    const ports = await freePorts(masters * 2);
    const nodes = [];
    for (let i = 0; i < masters; i++) {
      const port = ports[i * 2];
      const busPort = ports[i * 2 + 1];
      const dir = path.join(root, `node-${port}`);
      fs.mkdirSync(dir);
      const { child } = await spawnServer({
        port,
        dir,
        ownedDir: root,
        extra: [
          '--cluster-enabled', 'yes',
          '--cluster-config-file', path.join(dir, 'nodes.conf'),
          '--cluster-port', String(busPort),
          '--cluster-node-timeout', '5000',
          '--cluster-require-full-coverage', 'yes',
        ],
      });
      children.push(child);
      nodes.push({ host: DEFAULT_HOST, port });
    }
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { encoding: 'utf8', timeout: deadlineMs },
    );
    if (create.status !== 0) {
      throw new Error(`redis-cli --cluster create failed (status ${create.status}${create.error ? `, ${create.error.message}` : ''}):\n${create.stdout}\n${create.stderr}`);
    }
    const deadline = Date.now() + deadlineMs;
    for (const n of nodes) {
      let info = '';
      for (;;) {
        try {
          info = (await rawCommand(n.host, n.port, 'CLUSTER INFO', { timeoutMs: 2000 })) ?? '';
        } catch (e) {
          info = e.message;
        }
        if (/cluster_state:ok/.test(info)) break;
        if (Date.now() > deadline) throw new Error(`cluster node ${n.host}:${n.port} not ok within ${deadlineMs} ms:\n${info}`);
        await sleep(100);
      }
    }
    return {
      nodes,
      urls: nodes.map((n) => `redis://${n.host}:${n.port}`),
      started: true,
      stop,
    };
  } catch (e) {
    await stop();
    throw new Error(`startRedisCluster: ${e.message}`);
  }
}

// ---------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------

async function cli(argv) {
  const cmd = argv[0] ?? 'status';
  if (cmd === 'status') {
    if (process.env.REDIS_URL) {
      try {
        await verifyUrl(process.env.REDIS_URL);
        console.log(`redis: REDIS_URL=${process.env.REDIS_URL} answers PING`);
        return 0;
      } catch (e) {
        console.log(`redis: REDIS_URL=${process.env.REDIS_URL} does NOT answer: ${e.message}`);
        return 1;
      }
    }
    let ok = false;
    if (await ping(DEFAULT_HOST, DEFAULT_PORT)) {
      console.log(`redis: local server answers at redis://${DEFAULT_HOST}:${DEFAULT_PORT}`);
      ok = true;
    } else {
      console.log(`redis: nothing answers on ${DEFAULT_HOST}:${DEFAULT_PORT}`);
    }
    const info = readJson(runFile());
    if (info && isAlive(info.pid) && (await ping(DEFAULT_HOST, info.port))) {
      console.log(`redis: CLI-started server pid ${info.pid} answers at ${info.url}`);
      ok = true;
    }
    const bin = which('redis-server');
    console.log(`redis-server binary: ${bin ? `${bin} (v${redisMajor()}.x)` : 'not found'}`);
    return ok ? 0 : 1;
  }
  if (cmd === 'start') {
    // Same policy as ensureRedis(), but a server we start is detached and outlives the CLI.
    if (process.env.REDIS_URL || (await ping(DEFAULT_HOST, DEFAULT_PORT))) {
      const r = await ensureRedis();
      console.log(`REDIS_URL=${r.url}`);
      return 0;
    }
    const info = readJson(runFile());
    if (info && isAlive(info.pid) && (await ping(DEFAULT_HOST, info.port))) {
      console.log(`REDIS_URL=${info.url}`);
      return 0;
    }
    if (info?.dir) rmrf(info.dir);
    ensureRedisBinaries();
    const dir = makeTempDir(TEMP_PREFIX);
    const [port] = await freePorts(1);
    const { child, logFile } = await spawnServer({ port, dir, detached: true });
    fs.writeFileSync(path.join(dir, '.detached'), String(child.pid));
    const url = `redis://${DEFAULT_HOST}:${port}`;
    writeJson(runFile(), { pid: child.pid, port, url, dir, logFile, startedAt: new Date().toISOString() });
    console.log(`REDIS_URL=${url}`);
    return 0;
  }
  if (cmd === 'stop') {
    const info = readJson(runFile());
    if (!info) {
      console.log('redis: no CLI-started server (the machine Redis on 6379 is never stopped)');
      return 0;
    }
    if (isAlive(info.pid) && cmdlineOf(info.pid).includes('redis-server')) await terminate(info.pid, { graceMs: 5000 });
    rmrf(info.dir);
    fs.rmSync(runFile(), { force: true });
    console.log(`redis: stopped pid ${info.pid}`);
    return 0;
  }
  console.error('usage: node scripts/services/redis.mjs status|start|stop');
  return 2;
}

if (isMain(import.meta.url)) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`[services:redis] ${e.message}`);
      process.exit(1);
    },
  );
}
