/**
 * Child processes for targets and the load generator: optionally pinned to a core
 * (taskset) and given a higher open-file limit (prlimit). Both exec node, so the pid we
 * get is node's and /proc/<pid>/stat measures the right process.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

export interface LaunchOptions {
  /** The node binary (default: this process's). */
  node?: string;
  /** Arguments after the node binary. */
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  cpu?: number;
  nofile?: number;
  ipc?: boolean;
}

export interface ProcHandle {
  child: ChildProcess;
  pid: number;
  /** Last few KB of stdout+stderr, for error reports. */
  output(): string;
  /** Set once the process has exited. */
  exit: string | null;
  /** Listen to stdout lines; returns a function that stops listening. */
  onLine(fn: (line: string) => void): () => void;
  /** SIGKILL, or `graceful`: SIGTERM and up to 15 s to exit (a --cpu-prof target writes its profile on exit). */
  kill(graceful?: boolean): Promise<void>;
}

const TAIL = 4096;
/** Every child still running, so an interrupted run can clean up after itself. */
const live = new Set<ProcHandle>();

export async function killAll(): Promise<void> {
  await Promise.all([...live].map((h) => h.kill()));
}

export function launch(opts: LaunchOptions): ProcHandle {
  const argv: string[] = [];
  if (opts.nofile) argv.push('prlimit', `--nofile=${opts.nofile}:${opts.nofile}`);
  if (opts.cpu !== undefined) argv.push('taskset', '-c', String(opts.cpu));
  argv.push(opts.node ?? process.execPath, ...opts.args);
  const stdio: StdioOptions = opts.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'];
  const child = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd, env: opts.env, stdio });

  let tail = '';
  let partial = '';
  let lineListeners: ((line: string) => void)[] = [];
  // Always drain both pipes: a chatty server must never block on a full pipe.
  const collect = (chunk: Buffer, isStdout: boolean) => {
    const text = chunk.toString();
    tail = (tail + text).slice(-TAIL);
    if (!isStdout || lineListeners.length === 0) return;
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) for (const fn of lineListeners) fn(l.trim());
  };
  child.stdout!.on('data', (c: Buffer) => collect(c, true));
  child.stderr!.on('data', (c: Buffer) => collect(c, false));

  const handle: ProcHandle = {
    child,
    pid: child.pid ?? -1,
    output: () => tail.trim(),
    exit: null,
    onLine: (fn) => {
      lineListeners.push(fn);
      return () => {
        lineListeners = lineListeners.filter((x) => x !== fn);
      };
    },
    kill: (graceful = false) =>
      new Promise<void>((resolve) => {
        if (handle.exit !== null) return resolve();
        child.once('exit', () => resolve());
        if (!graceful) return void child.kill('SIGKILL');
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
      }),
  };
  live.add(handle);
  child.once('exit', (code, signal) => {
    handle.exit = signal ? `signal ${signal}` : `exit code ${code}`;
    live.delete(handle);
  });
  child.once('error', (e) => {
    handle.exit = `spawn error: ${e.message}`;
    live.delete(handle);
  });
  return handle;
}

function failIfExited(h: ProcHandle): void {
  if (h.exit !== null) throw new Error(`process ended (${h.exit}): ${h.output().slice(-800) || 'no output'}`);
}

/** Resolve when the process prints `READY` on its own line. */
export function waitForReadyLine(h: ProcHandle, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (e?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      e ? reject(e) : resolve();
    };
    h.onLine((line) => line === 'READY' && finish());
    const timer = setTimeout(() => finish(new Error(`not ready after ${timeoutMs} ms: ${h.output().slice(-800)}`)), timeoutMs);
    const poll = setInterval(() => {
      try {
        failIfExited(h);
      } catch (e) {
        finish(e as Error);
      }
    }, 50);
  });
}

/** Poll an HTTP endpoint until it answers 200. */
export async function waitForHttp(h: ProcHandle, url: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = '';
  while (performance.now() < deadline) {
    failIfExited(h);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not healthy after ${timeoutMs} ms (${last}): ${h.output().slice(-800)}`);
}
