// Shared helpers for scripts/services/*.mjs (internal; not part of the public API).
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Root of the on-disk cache shared by all service helpers. */
export function cacheRoot() {
  return process.env.ACTORWIRE_CACHE || path.join(os.homedir(), '.cache', 'actorwire');
}

/** Ask the OS for a free TCP port on 127.0.0.1 (bind port 0, read it, close). */
export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** `n` distinct free ports (never 6379). */
export async function freePorts(n, host = '127.0.0.1') {
  const out = new Set();
  for (let guard = 0; out.size < n && guard < n * 20; guard++) {
    const p = await freePort(host);
    if (p !== 6379) out.add(p);
  }
  if (out.size < n) throw new Error(`could not find ${n} free ports`);
  return [...out];
}

/** Last `n` lines of a text file ('' if missing). */
export function tailFile(file, n = 50) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.split('\n').slice(-n - 1).join('\n');
  } catch {
    return '';
  }
}

export function isAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return e.code === 'EPERM';
  }
  // A zombie still answers kill(0); treat it as dead.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  } catch {
    /* no /proc: trust kill(0) */
  }
  return true;
}

/** Command line of a pid ('' if unknown) — used to avoid killing a recycled pid. */
export function cmdlineOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * SIGTERM `pid` (or its process group when `group`), wait up to `graceMs`, then SIGKILL.
 * `child` (a ChildProcess) is used to detect exit when we are the parent (avoids zombies).
 */
export async function terminate(pid, { graceMs = 15000, child = null, group = false } = {}) {
  if (!pid) return;
  const target = group ? -pid : pid;
  const exited = () =>
    child ? child.exitCode !== null || child.signalCode !== null : !isAlive(pid);
  if (exited()) return;
  const send = (sig) => {
    try {
      process.kill(target, sig);
    } catch {
      /* already gone */
    }
  };
  send('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (exited()) return;
    await sleep(100);
  }
  send('SIGKILL');
  const hard = Date.now() + 5000;
  while (Date.now() < hard) {
    if (exited()) return;
    await sleep(50);
  }
}

export function rmrf(dir) {
  if (!dir) return;
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    /* best effort */
  }
}

// ---------------------------------------------------------------------------
// Children started by this process must never outlive it.
// 1. spawnOwned() wraps the command in `setpriv --pdeathsig SIGKILL` when available,
//    so the kernel kills it even if this process is SIGKILLed.
// 2. On exit / SIGINT / SIGTERM / SIGHUP we SIGKILL every child still registered.
// ---------------------------------------------------------------------------
const owned = new Map(); // pid -> { dir }
let hooksInstalled = false;

let setprivPath;
function findSetpriv() {
  if (setprivPath !== undefined) return setprivPath;
  setprivPath = null;
  for (const p of ['/usr/bin/setpriv', '/bin/setpriv']) {
    if (fs.existsSync(p)) {
      const r = spawnSync(p, ['--help'], { encoding: 'utf8', timeout: 5000 });
      if (/pdeathsig/.test(`${r.stdout}${r.stderr}`)) setprivPath = p;
      break;
    }
  }
  return setprivPath;
}

function killAllOwnedSync() {
  for (const [pid, info] of owned) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
    if (info.dir) rmrf(info.dir);
  }
  owned.clear();
}

function installHooks() {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllOwnedSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    const handler = () => {
      killAllOwnedSync();
      process.removeListener(sig, handler);
      // Re-raise so that the default action (or other handlers) still run.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

/**
 * Spawn a service process owned by this process (killed when we exit).
 * stdin is ignored; stdout+stderr go to `logFile`.
 */
export function spawnOwned(cmd, args, { logFile, cwd, env, dir } = {}) {
  installHooks();
  const fd = fs.openSync(logFile, 'a');
  const sp = findSetpriv();
  const [file, argv] = sp ? [sp, ['--pdeathsig', 'SIGKILL', '--', cmd, ...args]] : [cmd, args];
  let child;
  try {
    child = spawn(file, argv, { cwd, env, stdio: ['ignore', fd, fd] });
  } finally {
    fs.closeSync(fd);
  }
  // spawn() errors (ENOENT…) surface as 'error'; keep a listener so they don't crash us.
  child.spawnError = null;
  child.on('error', (e) => {
    child.spawnError = e;
  });
  if (child.pid) {
    owned.set(child.pid, { dir });
    child.once('exit', () => owned.delete(child.pid));
  }
  return child;
}

/** Stop tracking a pid (after we terminated it ourselves). */
export function disown(pid) {
  owned.delete(pid);
}

/** Spawn a fully detached process (CLI `start`): survives this process. */
export function spawnDetached(cmd, args, { logFile, cwd, env } = {}) {
  const fd = fs.openSync(logFile, 'a');
  let child;
  try {
    child = spawn(cmd, args, { cwd, env, stdio: ['ignore', fd, fd], detached: true });
  } finally {
    fs.closeSync(fd);
  }
  child.on('error', () => {});
  child.unref();
  return child;
}

/** Remove temp dirs named `${prefix}<pid>-*` whose creating process is gone. */
export function sweepStaleTempDirs(prefix) {
  let entries = [];
  try {
    entries = fs.readdirSync(os.tmpdir());
  } catch {
    return;
  }
  for (const name of entries) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)-/.exec(name.slice(prefix.length));
    if (!m) continue;
    const full = path.join(os.tmpdir(), name);
    // A dir with a `.detached` marker belongs to a CLI-started service; check its service pid.
    let pid = Number(m[1]);
    try {
      pid = Number(fs.readFileSync(path.join(full, '.detached'), 'utf8').trim()) || pid;
    } catch {
      /* not detached */
    }
    if (!isAlive(pid)) rmrf(full);
  }
}

export function makeTempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}${process.pid}-`));
}

export function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

export function writeJson(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/** True when this module is the entry script (`node file.mjs ...`). */
export function isMain(importMetaUrl) {
  if (!process.argv[1]) return false;
  try {
    const self = fs.realpathSync(new URL(importMetaUrl).pathname);
    return self === fs.realpathSync(path.resolve(process.argv[1]));
  } catch {
    return false;
  }
}

/** A process's resident memory in MB (from /proc), or NaN once it is gone. */
export function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}
