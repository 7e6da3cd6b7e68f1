/**
 * One session = one fresh target process + one fresh load generator process, pinned to
 * separate cores, running one or more jobs (churn runs all its rounds in one session).
 * The load generator marks phases over IPC; each mark is a /proc sample of both.
 */
import { createServer } from 'node:http';
import { join } from 'node:path';
import type { Options } from './cli.js';
import type { HostLimits } from './limits.js';
import { nofileFor } from './limits.js';
import { SRC_DIR } from './paths.js';
import { machineBusyS, procUsage } from './procstat.js';
import { redisPid } from './redis-pid.js';
import type { ScenarioDef } from './scenarios.js';
import { launch, waitForHttp, waitForReadyLine, type ProcHandle } from './spawn.js';
import type { TargetDef } from './targets/types.js';
import type { FromLoadgen, LoadgenJob, LoadgenResult, Sample, ScenarioId, ToLoadgen } from './types.js';

export interface RoundRecord {
  target: string;
  scenario: ScenarioId;
  round: number;
  ok: boolean;
  error?: string;
  metrics: Record<string, number>;
  cpu?: { server: number; loadgen: number; other: number };
  notes: string[];
  raw?: LoadgenResult;
  samples?: Record<string, Sample>;
}

/** The target process could not be started: the target is unavailable for this run. */
export class StartError extends Error {}

const SERVER_CPU = 0;
const LOADGEN_CPU = 1;
let portSeq = 0;
/** A fresh port per session (below the ephemeral range), so a dying process never collides. */
const nextPort = () => 21_000 + (portSeq++ % 2000);
/** Where the load generator serves the snapshots scenario's REST stand-in for the server on `port`. */
const upstreamPortFor = (port: number) => port + 2000;
/** Set while a scenario's `restart` mark restarts the server, so its exit is not a failure. */
let restarting = false;

class LoadgenLink {
  private handlers: ((m: FromLoadgen) => void)[] = [];
  readonly ready: Promise<void>;

  constructor(readonly proc: ProcHandle) {
    proc.child.on('message', (m: FromLoadgen) => this.handlers.forEach((h) => h(m)));
    this.ready = this.next((m) => m.t === 'ready', 20_000).then(() => undefined);
  }

  private send(m: ToLoadgen): void {
    this.proc.child.send(m);
  }

  private next(match: (m: FromLoadgen) => boolean, timeoutMs: number): Promise<FromLoadgen> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`load generator: no answer in ${timeoutMs} ms`)), timeoutMs);
      const poll = setInterval(() => {
        if (this.proc.exit !== null) done(new Error(`load generator ended (${this.proc.exit}): ${this.proc.output().slice(-800)}`));
      }, 100);
      const h = (m: FromLoadgen) => match(m) && done(undefined, m);
      const done = (e?: Error, m?: FromLoadgen) => {
        clearTimeout(timer);
        clearInterval(poll);
        this.handlers = this.handlers.filter((x) => x !== h);
        e ? reject(e) : resolve(m!);
      };
      this.handlers.push(h);
    });
  }

  /** Run a job; `onMark` samples and the link acknowledges so the load generator proceeds. */
  async run(job: LoadgenJob, timeoutMs: number, onMark: (name: string) => Promise<void>, server: () => ProcHandle): Promise<LoadgenResult> {
    const markHandler = (m: FromLoadgen) => {
      if (m.t !== 'mark') return;
      const name = m.name;
      void onMark(name).finally(() => this.send({ t: 'marked', name }));
    };
    this.handlers.push(markHandler);
    const serverWatch = setInterval(() => {
      const srv = server();
      if (srv.exit !== null && !restarting) this.handlers.forEach((h) => h({ t: 'failed', error: `server ended (${srv.exit}): ${srv.output().slice(-600)}` }));
    }, 100);
    try {
      const answer = this.next((m) => m.t === 'done' || m.t === 'failed', timeoutMs);
      this.send({ t: 'run', job });
      const m = await answer;
      if (m.t === 'failed') throw new Error(m.error);
      if (m.t !== 'done') throw new Error(`unexpected ${m.t}`);
      return m.result;
    } finally {
      clearInterval(serverWatch);
      this.handlers = this.handlers.filter((h) => h !== markHandler);
    }
  }
}

function sampleBoth(server: ProcHandle, loadgen: ProcHandle, peer?: { proc: ProcHandle; redisPid: number }): Sample {
  const s = procUsage(server.pid);
  const l = procUsage(loadgen.pid);
  const own = process.cpuUsage();
  return {
    at: performance.now(),
    serverCpuS: s?.cpuS ?? NaN,
    loadgenCpuS: l?.cpuS ?? NaN,
    serverRssKB: s?.rssKB ?? NaN,
    ...(peer ? { peerCpuS: procUsage(peer.proc.pid)?.cpuS ?? NaN, redisCpuS: procUsage(peer.redisPid)?.cpuS ?? NaN } : {}),
    machineBusyS: machineBusyS(),
    orchestratorCpuS: (own.user + own.system) / 1e6,
  };
}

const HEAP_PROBE = join(SRC_DIR, 'targets', 'heap-probe.mjs');

/** Ask a target started with the heap probe for its heap after full GCs (KB). */
function probeHeap(proc: ProcHandle, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const stop = proc.onLine((line) => {
      if (!line.startsWith('HEAP ')) return;
      stop();
      clearTimeout(timer);
      resolve(Number(line.slice(5)) / 1024);
    });
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`heap probe: no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    process.kill(proc.pid, 'SIGWINCH');
  });
}

let sink: Promise<string> | undefined;

/** An OTLP/HTTP endpoint that reads and discards exports (what tracing costs the server, not a collector). */
function otlpSink(): Promise<string> {
  sink ??= new Promise((resolve) => {
    const srv = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
    });
    srv.listen(0, '127.0.0.1', () => {
      srv.unref();
      resolve(`http://127.0.0.1:${(srv.address() as { port: number }).port}`);
    });
  });
  return sink;
}

/** Start the target; throws StartError when it does not come up. */
async function startTarget(target: TargetDef, o: Options, nofile: number | undefined, scenario: ScenarioDef, samePort?: number): Promise<{ proc: ProcHandle; port: number }> {
  const port = samePort ?? nextPort();
  const spec = target.launch({ port, jwtSecret: o.jwtSecret, scenario: scenario.id, upstreamUrl: `http://127.0.0.1:${upstreamPortFor(port)}` });
  // Node flags go before the script (and tsx's --import): the probe only where a scenario measures the heap.
  const flags = [
    ...(scenario.heapAt ? ['--expose-gc', '--import', HEAP_PROBE] : []),
    ...(o.profileDir && target.name === 'actorwire' ? ['--cpu-prof', `--cpu-prof-dir=${o.profileDir}`, `--cpu-prof-name=${scenario.id}-${Date.now()}.cpuprofile`] : []),
  ];
  const args = [...flags, ...spec.args];
  const tracing = o.tracing !== null && target.name === 'actorwire'
    ? { OTEL_EXPORTER_OTLP_ENDPOINT: await otlpSink(), OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: String(o.tracing) }
    : {};
  const node = target.name === 'actorwire' ? (o.node ?? undefined) : undefined;
  const proc = launch({ node, args, cwd: spec.cwd, env: { ...process.env, ...spec.env, ...tracing }, cpu: o.pin ? SERVER_CPU : undefined, nofile });
  try {
    if (target.ready.kind === 'line') await waitForReadyLine(proc, target.startTimeoutMs);
    else await waitForHttp(proc, `http://127.0.0.1:${port}${target.ready.path}`, target.startTimeoutMs);
  } catch (e) {
    await proc.kill();
    throw new StartError(e instanceof Error ? e.message : String(e));
  }
  return { proc, port };
}

export async function runSession(
  target: TargetDef,
  scenario: ScenarioDef,
  rounds: number[],
  o: Options,
  limits: HostLimits,
  log: (line: string) => void,
): Promise<RoundRecord[]> {
  // Headroom over the largest connection count any scenario opens, for both processes.
  const needed = Math.max(...o.idleSteps, o.subscribers, o.largeRoom, o.echoClients) + 1024;
  const nofile = nofileFor(needed, limits);
  const loadgenProc = launch({
    args: ['--import', 'tsx', join(SRC_DIR, 'loadgen', 'main.ts')],
    cwd: SRC_DIR,
    env: process.env,
    cpu: o.pin ? LOADGEN_CPU : undefined,
    nofile,
    ipc: true,
  });
  const link = new LoadgenLink(loadgenProc);
  let server: ProcHandle | undefined;
  let peer: { proc: ProcHandle; port: number; redisPid: number } | undefined;
  try {
    // allSettled: whichever side fails, the other must still be killed in `finally`.
    const [srv, lg] = await Promise.allSettled([startTarget(target, o, nofile, scenario), link.ready]);
    if (srv.status === 'fulfilled') server = srv.value.proc;
    if (srv.status === 'rejected') throw srv.reason;
    if (lg.status === 'rejected') throw lg.reason;
    const started = srv.value;
    let serverProc = started.proc;
    if (scenario.peer) {
      // The second instance, on the same core as the first: the measured pair shares one core.
      const second = await startTarget(target, o, nofile, scenario);
      peer = { ...second, redisPid: await redisPid() };
    }
    const spec = scenario.spec(o);
    if (spec.kind === 'snapshots') spec.upstreamPort = upstreamPortFor(started.port);
    const job: LoadgenJob = { url: target.url(started.port), client: target.client, jwtSecret: o.jwtSecret, tokenEpoch: o.tokenEpoch, spec, ...(peer ? { peerUrl: target.url(peer.port) } : {}) };
    const records: RoundRecord[] = [];
    for (const round of rounds) {
      const samples = new Map<string, Sample>();
      const rec: RoundRecord = { target: target.name, scenario: scenario.id, round, ok: false, metrics: {}, notes: [] };
      try {
        const onMark = async (name: string) => {
          if (name === 'restart') {
            // The scenario asks for an instance restart: the same server, same port, anew.
            restarting = true;
            try {
              await serverProc.kill();
              server = serverProc = (await startTarget(target, o, nofile, scenario, started.port)).proc;
            } finally {
              restarting = false;
            }
          }
          const sample = sampleBoth(serverProc, loadgenProc, peer);
          if (scenario.heapAt?.includes(name)) {
            sample.serverHeapKB = await probeHeap(serverProc).catch(() => NaN);
          }
          samples.set(name, sample);
        };
        const raw = await link.run(job, scenario.timeoutMs(o), onMark, () => serverProc);
        const ev = scenario.evaluate(raw, samples);
        Object.assign(rec, { ok: true, metrics: ev.metrics, cpu: ev.cpu, notes: ev.notes, raw });
      } catch (e) {
        rec.error = e instanceof Error ? e.message : String(e);
      }
      rec.samples = Object.fromEntries(samples);
      records.push(rec);
      log(describe(rec));
      // A failed round in a shared process leaves it in an unknown state: stop there.
      if (!rec.ok && scenario.roundsInOneProcess) break;
    }
    return records;
  } finally {
    // Load generator first, so it does not spend time on thousands of close events.
    await loadgenProc.kill();
    await server?.kill(o.profileDir !== null && target.name === 'actorwire');
    await peer?.proc.kill();
    await new Promise((r) => setTimeout(r, 150));
  }
}

function describe(r: RoundRecord): string {
  const head = `  ${r.scenario} r${r.round} ${r.target}:`;
  if (!r.ok) return `${head} FAILED ${r.error}`;
  const m = Object.entries(r.metrics)
    .map(([k, v]) => `${k}=${Number.isFinite(v) ? +v.toPrecision(4) : v}`)
    .join(' ');
  const p = (v: number) => `${(v * 100).toFixed(0)}%`;
  const cpu = r.cpu ? ` cpu server ${p(r.cpu.server)} loadgen ${p(r.cpu.loadgen)} other ${p(r.cpu.other)}` : '';
  return `${head} ${m}${cpu}${r.notes.length ? ` [${r.notes.join('; ')}]` : ''}`;
}
