/** Command-line flags → Options. Defaults are budgeted so a full run stays under 10 minutes. */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ScenarioId } from './types.js';
import { TARGET_NAMES } from './targets/index.js';

export interface Options {
  targets: string[];
  scenarios: ScenarioId[];
  rounds: number;
  idleSteps: number[];
  rooms: number;
  connectConcurrency: number;
  subscribers: number;
  /** The large-room scenario's subscribers. */
  largeRoom: number;
  window: number;
  payloadBytes: number;
  fanoutMs: number;
  echoMs: number;
  publishMs: number;
  /** Connect scenario: connections per batch. */
  connectCount: number;
  churnMs: number;
  warmupMs: number;
  settleMs: number;
  echoClients: number;
  churnConcurrency: number;
  /** Snapshots scenario: sessions, sections, bursts, change records per burst. */
  snapshotSessions: number;
  sections: number;
  bursts: number;
  recordsPerBurst: number;
  /** Recovery scenario: clients (over `recoveryRooms` rooms), messages each misses. */
  recoveryClients: number;
  recoveryRooms: number;
  missed: number;
  pin: boolean;
  /** Write a V8 CPU profile of every Actorwire server process into this folder (--cpu-prof). */
  profileDir: string | null;
  /** Run Actorwire with traces exported (to a discarding OTLP sink) at this sampling ratio; null = tracing off. */
  tracing: number | null;
  /** The node binary the Actorwire target runs on (`--node`); null = the bench's own. */
  node: string | null;
  /** JSON output path; null = don't write one. */
  out: string | null;
  smoke: boolean;
  /** Exit non-zero when any target is unavailable or any round failed. */
  strict: boolean;
  jwtSecret: string;
  /** Issue time (s) of every token of the run. */
  tokenEpoch: number;
}

const ALL_SCENARIOS: ScenarioId[] = ['idle', 'connect', 'fanout', 'fanout-dialects', 'fanout-compact', 'fanout-compact-rooms', 'large-room', 'cross-instance', 'cross-instance-history', 'fanout-history', 'fanout-history-redis', 'echo', 'publish', 'churn', 'snapshots', 'recovery'];

export const USAGE = `Usage: npm run bench -- [flags]   (or: node --import tsx bench/src/run.ts [flags])

  --targets a,b        ${TARGET_NAMES.join(',')} (default: all)
  --scenarios a,b      ${ALL_SCENARIOS.join(',')} (default: all)
  --rounds N           rounds per scenario, median reported (default 3)
  --duration S         measured seconds of fan-out, echo, publish and churn (default 3 / 1.5 / 1.5 / 4)
  --idle N,M           idle connection steps (default 10000)
  --connects N         connections per batch of the connect scenario (default 2000)
  --subscribers N      fan-out room size (default 1000)
  --large-room N       large-room scenario's room size (default 10000)
  --window N           fan-out publishes in flight (default 16)
  --echo-clients N     (default 100)
  --churn-concurrency N  parallel churn loops (default 32)
  --snapshot-sessions N  snapshots scenario sessions, on 10 sections (default 1000)
  --bursts N           snapshots scenario bursts of 1,000 change records (default 4)
  --recovery-clients N recovery scenario clients, on 10 rooms, each missing --missed messages (default 1000)
  --missed N           messages each recovery client misses (default 100)
  --warmup S           un-measured warm-up before fan-out, echo and publish windows (default 0.3)
  --profile DIR        write a CPU profile (.cpuprofile) of each Actorwire server process to DIR
  --tracing RATIO      Actorwire exports traces (OTLP/HTTP protobuf to a discarding sink) sampling RATIO of traces (0..1)
  --no-pin             don't pin server to core 0 and load generator to core 1
  --node PATH          run the Actorwire target on this node binary (e.g. Node 24); the other
                       targets and the load generator stay on the bench's own Node
  --out FILE           JSON output path (default bench/results/<timestamp>.json; none in --smoke)
  --smoke              seconds-long check: uws + ws, echo, 1 round; exits 1 on any failure
  --strict             exit 1 if a target is unavailable or a round failed
`;

function list(v: string | undefined): string[] | undefined {
  return v
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function num(name: string, v: string | undefined, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name}: expected a number >= ${min}, got ${v}`);
  return n;
}

function ratio(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error(`--tracing: expected a ratio between 0 and 1, got ${v}`);
  return n;
}

/** An absolute path to a node binary that runs (`--node`); throws naming what is wrong. */
function nodeBinary(path: string): string {
  const abs = resolve(path);
  try {
    execFileSync(abs, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`--node: ${abs} does not run as node: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  return abs;
}

export function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      targets: { type: 'string' },
      scenarios: { type: 'string' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      idle: { type: 'string' },
      connects: { type: 'string' },
      subscribers: { type: 'string' },
      'large-room': { type: 'string' },
      window: { type: 'string' },
      'echo-clients': { type: 'string' },
      'churn-concurrency': { type: 'string' },
      'snapshot-sessions': { type: 'string' },
      bursts: { type: 'string' },
      'recovery-clients': { type: 'string' },
      missed: { type: 'string' },
      warmup: { type: 'string' },
      'no-pin': { type: 'boolean' },
      profile: { type: 'string' },
      tracing: { type: 'string' },
      node: { type: 'string' },
      out: { type: 'string' },
      smoke: { type: 'boolean' },
      strict: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const smoke = values.smoke ?? false;

  const targets = list(values.targets) ?? (smoke ? ['uws', 'ws'] : TARGET_NAMES);
  for (const t of targets) if (!TARGET_NAMES.includes(t)) throw new Error(`unknown target ${t} (known: ${TARGET_NAMES.join(', ')})`);
  const scenarios = (list(values.scenarios) ?? (smoke ? ['echo'] : ALL_SCENARIOS)) as ScenarioId[];
  for (const s of scenarios) if (!ALL_SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s} (known: ${ALL_SCENARIOS.join(', ')})`);

  const durationMs = num('duration', values.duration, 0.1);
  const idleSteps = (list(values.idle) ?? ['10000']).map((s) => num('idle', s, 1)!);
  return {
    targets,
    scenarios,
    rounds: num('rounds', values.rounds, 1) ?? (smoke ? 1 : 3),
    idleSteps: smoke && !values.idle ? [200] : idleSteps,
    rooms: 100,
    connectConcurrency: 200,
    subscribers: num('subscribers', values.subscribers, 1) ?? (smoke ? 50 : 1000),
    largeRoom: num('large-room', values['large-room'], 1) ?? (smoke ? 100 : 10_000),
    window: num('window', values.window, 1) ?? 16,
    payloadBytes: 64,
    fanoutMs: durationMs !== undefined ? durationMs * 1000 : smoke ? 1000 : 3000,
    echoMs: durationMs !== undefined ? durationMs * 1000 : smoke ? 1000 : 1500,
    publishMs: durationMs !== undefined ? durationMs * 1000 : smoke ? 1000 : 1500,
    connectCount: num('connects', values.connects, 1) ?? (smoke ? 200 : 2000),
    churnMs: durationMs !== undefined ? durationMs * 1000 : smoke ? 1000 : 4000,
    warmupMs: (num('warmup', values.warmup) ?? (smoke ? 0.2 : 0.3)) * 1000,
    settleMs: smoke ? 200 : 500,
    echoClients: num('echo-clients', values['echo-clients'], 1) ?? (smoke ? 10 : 100),
    churnConcurrency: num('churn-concurrency', values['churn-concurrency'], 1) ?? 32,
    snapshotSessions: num('snapshot-sessions', values['snapshot-sessions'], 10) ?? (smoke ? 50 : 1000),
    sections: 10,
    bursts: num('bursts', values.bursts, 1) ?? (smoke ? 2 : 4),
    recordsPerBurst: 1000,
    recoveryClients: num('recovery-clients', values['recovery-clients'], 10) ?? (smoke ? 50 : 1000),
    recoveryRooms: 10,
    missed: num('missed', values.missed, 1) ?? (smoke ? 10 : 100),
    pin: !values['no-pin'],
    profileDir: values.profile ?? null,
    tracing: values.tracing === undefined ? null : ratio(values.tracing),
    node: values.node === undefined ? null : nodeBinary(values.node),
    out: values.out ?? (smoke ? null : ''),
    smoke,
    strict: values.strict ?? smoke,
    jwtSecret: process.env.JWT_SECRET ?? randomBytes(32).toString('hex'),
    tokenEpoch: Math.floor(Date.now() / 1000),
  };
}
