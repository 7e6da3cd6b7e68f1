/**
 * Scenario definitions on the orchestrator side: the job spec sent to the load generator
 * and how its raw counts plus the /proc samples become the reported metrics.
 */
import type { LoadgenResult, Sample, ScenarioId, ScenarioSpec } from './types.js';
import type { Options } from './cli.js';

export interface MetricDef {
  key: string;
  label: string;
  /** Which direction is better; ratios are always value / reference. */
  better: 'higher' | 'lower';
  /** Also give this metric ratio columns against the references (the primary always has them). */
  compare?: boolean;
}

export interface Evaluation {
  metrics: Record<string, number>;
  /**
   * Share of one core used over the measured window (each process is pinned to one core);
   * `other` is everything else on the machine (other processes competing for the cores).
   */
  cpu: { server: number; loadgen: number; other: number };
  notes: string[];
}

export interface ScenarioDef {
  id: ScenarioId;
  title(o: Options): string;
  /** Rounds share one server process (churn: RSS after each round is the leak check). */
  roundsInOneProcess: boolean;
  spec(o: Options): ScenarioSpec;
  /** Upper bound for one job, after which the round is reported as failed. */
  timeoutMs(o: Options): number;
  metrics(o: Options): MetricDef[];
  /** The metric the ratio columns compare. */
  primary(o: Options): string;
  evaluate(r: LoadgenResult, s: Map<string, Sample>): Evaluation;
  /** Only these targets can run it (a plugin feature the peers do not have). */
  onlyFor?: readonly string[];
  /** Marks at which the server's V8 heap is measured after full GCs (needs the heap probe). */
  heapAt?: readonly string[];
  /** Run a second instance of the target beside the first (cross-instance scenarios). */
  peer?: boolean;
}

function sample(s: Map<string, Sample>, name: string): Sample {
  const v = s.get(name);
  if (!v) throw new Error(`missing sample ${name}`);
  return v;
}

/** CPU share of both processes over one or more [from, to] sample windows. */
function cpuOver(s: Map<string, Sample>, windows: [string, string][]): Evaluation['cpu'] {
  let wall = 0;
  let server = 0;
  let loadgen = 0;
  let other = 0;
  for (const [from, to] of windows) {
    const a = sample(s, from);
    const b = sample(s, to);
    wall += (b.at - a.at) / 1000;
    const ds = b.serverCpuS - a.serverCpuS;
    const dl = b.loadgenCpuS - a.loadgenCpuS;
    server += ds;
    loadgen += dl;
    other += b.machineBusyS - a.machineBusyS - ds - dl - (b.orchestratorCpuS - a.orchestratorCpuS);
  }
  if (wall <= 0) return { server: NaN, loadgen: NaN, other: NaN };
  return { server: server / wall, loadgen: loadgen / wall, other: Math.max(0, other / wall) };
}

function errorNote(errors: number, firstError?: string): string[] {
  return errors > 0 ? [`${errors} client errors (first: ${firstError ?? '?'})`] : [];
}

const k = (n: number) => (n % 1000 === 0 ? `${n / 1000}k` : String(n));

const idle: ScenarioDef = {
  id: 'idle',
  title: (o) => `idle — ${o.idleSteps.map(k).join(' then ')} connections, token + subscribe to 1 of ${o.rooms} rooms, held`,
  roundsInOneProcess: false,
  spec: (o) => ({ kind: 'idle', steps: o.idleSteps, rooms: o.rooms, concurrency: o.connectConcurrency, settleMs: o.settleMs }),
  timeoutMs: (o) => 30_000 + Math.max(...o.idleSteps) * 10,
  metrics: (o) =>
    o.idleSteps.flatMap((n) => [
      { key: `kb_per_conn_${n}`, label: `KB/conn @${k(n)}`, better: 'lower' as const },
      { key: `conn_per_s_${n}`, label: `conn/s @${k(n)}`, better: 'higher' as const },
    ]),
  primary: (o) => `kb_per_conn_${Math.max(...o.idleSteps)}`,
  evaluate(r, s) {
    if (r.kind !== 'idle') throw new Error('expected idle result');
    const base = sample(s, 'start').serverRssKB;
    const metrics: Record<string, number> = {};
    const windows: [string, string][] = [];
    const notes: string[] = [];
    let prevMark = 'start';
    let prevN = 0;
    let failed = 0;
    for (const step of r.steps) {
      failed += step.errors;
      const open = step.n - failed;
      metrics[`kb_per_conn_${step.n}`] = (sample(s, `settled-${step.n}`).serverRssKB - base) / open;
      metrics[`conn_per_s_${step.n}`] = ((step.n - prevN - step.errors) / step.connectMs) * 1000;
      windows.push([prevMark, `connected-${step.n}`]);
      notes.push(...errorNote(step.errors, step.firstError).map((e) => `@${k(step.n)}: ${e}`));
      prevMark = `settled-${step.n}`;
      prevN = step.n;
    }
    return { metrics, cpu: cpuOver(s, windows), notes };
  },
};

const fanout: ScenarioDef = {
  id: 'fanout',
  title: (o) =>
    `fan-out — 1 room × ${o.subscribers} subscribers, ${o.payloadBytes} B payload, window ${o.window} publishes, ${o.fanoutMs / 1000} s`,
  roundsInOneProcess: false,
  spec: (o) => ({
    kind: 'fanout',
    subscribers: o.subscribers,
    window: o.window,
    payloadBytes: o.payloadBytes,
    warmupMs: o.warmupMs,
    durationMs: o.fanoutMs,
  }),
  timeoutMs: (o) => 60_000 + o.warmupMs + o.fanoutMs,
  metrics: () => [
    { key: 'deliveries_per_s', label: 'deliveries/s', better: 'higher' },
    { key: 'cpu_s_per_100k', label: 'server CPU s/100k deliveries', better: 'lower' },
    { key: 'bytes_per_delivery', label: 'bytes/delivery', better: 'lower' },
  ],
  primary: () => 'cpu_s_per_100k',
  evaluate(r, s) {
    if (r.kind !== 'fanout') throw new Error('expected fanout result');
    const a = sample(s, 'start');
    const b = sample(s, 'end');
    const notes = errorNote(r.errors, r.firstError);
    if (r.stalled) notes.push('stalled: some subscribers stopped receiving (dropped deliveries?)');
    return {
      metrics: {
        deliveries_per_s: (r.deliveries / r.windowMs) * 1000,
        cpu_s_per_100k: r.deliveries > 0 ? ((b.serverCpuS - a.serverCpuS) / r.deliveries) * 100_000 : NaN,
        bytes_per_delivery: r.deliveryBytes > 0 ? r.deliveryBytes : NaN,
      },
      cpu: cpuOver(s, [['start', 'end']]),
      notes,
    };
  },
};

/** The same room, every other subscriber in the gateway dialect: the cost of a second encoding per publish. */
const fanoutDialects: ScenarioDef = {
  ...fanout,
  id: 'fanout-dialects',
  title: (o) =>
    `fan-out, two dialects — 1 room × ${o.subscribers} subscribers (half canonical, half gateway), ${o.payloadBytes} B payload, window ${o.window} publishes, ${o.fanoutMs / 1000} s (Actorwire only)`,
  onlyFor: ['actorwire'],
  spec: (o) => ({ ...(fanout.spec(o) as Extract<ScenarioSpec, { kind: 'fanout' }>), secondDialect: 'gateway' }),
};

/** The same room with every subscriber on the compact dialect: lighter deliveries for high fan-out. */
const fanoutCompact: ScenarioDef = {
  ...fanout,
  id: 'fanout-compact',
  title: (o) =>
    `fan-out, compact dialect — 1 room × ${o.subscribers} subscribers all on ?dialect=compact, ${o.payloadBytes} B payload, window ${o.window} publishes, ${o.fanoutMs / 1000} s (Actorwire only)`,
  onlyFor: ['actorwire'],
  spec: (o) => ({ ...(fanout.spec(o) as Extract<ScenarioSpec, { kind: 'fanout' }>), dialect: 'compact' }),
};

/** Compact made the server's default for the room (ACTORWIRE_COMPACT_ROOMS), clients connecting plainly. */
const fanoutCompactRooms: ScenarioDef = {
  ...fanout,
  id: 'fanout-compact-rooms',
  title: (o) =>
    `fan-out, compact by the server's choice — 1 room × ${o.subscribers} subscribers on plain /ws, ACTORWIRE_DIALECT=compact-rooms with the room in ACTORWIRE_COMPACT_ROOMS, ${o.payloadBytes} B payload, window ${o.window} publishes, ${o.fanoutMs / 1000} s (Actorwire only)`,
  onlyFor: ['actorwire'],
};

/**
 * One room of `largeRoom` subscribers (10k), one publish at a time: how long a message takes to
 * reach the last of them, and the CPU per delivery at that size — every target.
 */
const largeRoom: ScenarioDef = {
  ...fanout,
  id: 'large-room',
  title: (o) =>
    `large room — 1 room × ${k(o.largeRoom)} subscribers, ${o.payloadBytes} B payload, one publish at a time (each waits for its last delivery), ${o.fanoutMs / 1000} s`,
  spec: (o) => ({ ...(fanout.spec(o) as Extract<ScenarioSpec, { kind: 'fanout' }>), subscribers: o.largeRoom, window: 1 }),
  timeoutMs: (o) => 60_000 + o.largeRoom * 10 + o.warmupMs + o.fanoutMs,
  metrics: () => [
    { key: 'last_p50_ms', label: 'publish → last delivery p50 ms', better: 'lower', compare: true },
    { key: 'last_p99_ms', label: 'p99 ms', better: 'lower' },
    { key: 'cpu_s_per_100k', label: 'server CPU s/100k deliveries', better: 'lower' },
    { key: 'deliveries_per_s', label: 'deliveries/s', better: 'higher' },
  ],
  primary: () => 'cpu_s_per_100k',
  evaluate(r, s) {
    const e = fanout.evaluate(r, s);
    if (r.kind !== 'fanout') throw new Error('expected fanout result');
    return { ...e, metrics: { ...e.metrics, last_p50_ms: r.lastDeliveryP50Ms, last_p99_ms: r.lastDeliveryP99Ms } };
  },
};

/**
 * Two instances on Redis: the publisher alone on the first, the room's subscribers on the second.
 * What a delivery costs the instance that only receives from Redis (compare with the plain
 * fan-out's figure of the same run), what a publish costs the one that sends it, and Redis's own CPU.
 */
const crossInstance: ScenarioDef = {
  ...fanout,
  id: 'cross-instance',
  title: (o) =>
    `across instances — 2 Actorwire instances on Redis (REDIS_URL or 127.0.0.1:6379), publisher on A, 1 room × ${o.subscribers} subscribers on B, ${o.payloadBytes} B payload, window ${o.window} publishes, ${o.fanoutMs / 1000} s (Actorwire only; compare B's CPU per delivery with the plain fan-out)`,
  onlyFor: ['actorwire'],
  peer: true,
  spec: (o) => ({ ...(fanout.spec(o) as Extract<ScenarioSpec, { kind: 'fanout' }>), peer: true }),
  timeoutMs: (o) => 90_000 + o.warmupMs + o.fanoutMs,
  metrics: () => [
    { key: 'deliveries_per_s', label: 'deliveries/s', better: 'higher' },
    { key: 'cpu_s_per_100k', label: 'B (subscribers) CPU s/100k deliveries', better: 'lower' },
    { key: 'a_us_per_publish', label: 'A (publisher) CPU µs/publish', better: 'lower' },
    { key: 'redis_us_per_publish', label: 'Redis CPU µs/publish', better: 'lower' },
  ],
  primary: () => 'cpu_s_per_100k',
  evaluate(r, s) {
    const e = fanout.evaluate(r, s);
    if (r.kind !== 'fanout') throw new Error('expected fanout result');
    const a = sample(s, 'start');
    const b = sample(s, 'end');
    const per = (delta: number, n: number, scale: number) => (n > 0 ? (delta / n) * scale : NaN);
    return {
      ...e,
      metrics: {
        deliveries_per_s: e.metrics.deliveries_per_s!,
        // The fan-out's own figure counts the first instance; here the deliveries are the second's.
        cpu_s_per_100k: per((b.peerCpuS ?? NaN) - (a.peerCpuS ?? NaN), r.deliveries, 100_000),
        a_us_per_publish: per(b.serverCpuS - a.serverCpuS, r.publishes, 1e6),
        redis_us_per_publish: per((b.redisCpuS ?? NaN) - (a.redisCpuS ?? NaN), r.publishes, 1e6),
      },
    };
  },
};

/** The same across instances, the room keeping history in Redis Streams. */
const crossInstanceHistory: ScenarioDef = {
  ...crossInstance,
  id: 'cross-instance-history',
  title: (o) =>
    `across instances, room with history in Redis — as above, the room keeping its history in a Redis stream (compare with fan-out-history-redis)`,
};

/** The same room keeping history (memory): what numbering and keeping each message costs per delivery. */
const fanoutHistory: ScenarioDef = {
  ...fanout,
  id: 'fanout-history',
  title: (o) =>
    `fan-out, room with history in memory — 1 room × ${o.subscribers} subscribers, ${o.payloadBytes} B payload, window ${o.window} publishes, ${o.fanoutMs / 1000} s (Actorwire only; compare with its plain fan-out)`,
  onlyFor: ['actorwire'],
};

/** The same room keeping history in Redis Streams: one script per publish, deliveries through the room's Redis channel. */
const fanoutHistoryRedis: ScenarioDef = {
  ...fanout,
  id: 'fanout-history-redis',
  title: (o) =>
    `fan-out, room with history in Redis — 1 room × ${o.subscribers} subscribers, ${o.payloadBytes} B payload, window ${o.window} publishes, ${o.fanoutMs / 1000} s (Actorwire only, Redis at REDIS_URL or 127.0.0.1:6379; compare with its plain fan-out)`,
  onlyFor: ['actorwire'],
};

const recovery: ScenarioDef = {
  id: 'recovery',
  title: (o) =>
    `recovery — ${k(o.recoveryClients)} clients on ${o.recoveryRooms} rooms with history in Redis; the instance restarts, each client misses ${o.missed} messages, all reconnect ${Math.min(200, o.recoveryClients)} at a time and subscribe from their position (Actorwire only, Redis at REDIS_URL or 127.0.0.1:6379)`,
  roundsInOneProcess: false,
  onlyFor: ['actorwire'],
  spec: (o) => ({ kind: 'recovery', clients: o.recoveryClients, rooms: o.recoveryRooms, missed: o.missed, concurrency: Math.min(200, o.recoveryClients) }),
  timeoutMs: (o) => 120_000 + o.recoveryClients * 50,
  metrics: () => [
    { key: 'recovery_ms', label: 'all recovered (ms)', better: 'lower' },
    { key: 'cpu_ms_per_client', label: 'server CPU ms/recovered client', better: 'lower' },
    { key: 'resent_per_s', label: 'messages resent/s', better: 'higher' },
  ],
  primary: () => 'recovery_ms',
  evaluate(r, s) {
    if (r.kind !== 'recovery') throw new Error('expected recovery result');
    const a = sample(s, 'start');
    const b = sample(s, 'end');
    const notes = errorNote(r.errors, r.firstError);
    if (r.recovered < r.clients) notes.push(`${r.clients - r.recovered} of ${r.clients} clients did not recover`);
    return {
      metrics: {
        recovery_ms: r.recovered === r.clients ? r.ms : NaN,
        cpu_ms_per_client: r.recovered > 0 ? ((b.serverCpuS - a.serverCpuS) * 1000) / r.recovered : NaN,
        resent_per_s: (r.resent / r.ms) * 1000,
      },
      cpu: cpuOver(s, [['start', 'end']]),
      notes,
    };
  },
};

const echo: ScenarioDef = {
  id: 'echo',
  title: (o) => `echo — ${o.echoClients} clients, ping → pong back to back, ${o.echoMs / 1000} s`,
  roundsInOneProcess: false,
  spec: (o) => ({ kind: 'echo', clients: o.echoClients, warmupMs: o.warmupMs, durationMs: o.echoMs }),
  timeoutMs: (o) => 40_000 + o.warmupMs + o.echoMs,
  metrics: () => [
    { key: 'rt_per_s', label: 'round trips/s', better: 'higher' },
    { key: 'p50_ms', label: 'p50 ms', better: 'lower' },
    { key: 'p99_ms', label: 'p99 ms', better: 'lower' },
  ],
  primary: () => 'rt_per_s',
  evaluate(r, s) {
    if (r.kind !== 'echo') throw new Error('expected echo result');
    return {
      metrics: { rt_per_s: (r.roundTrips / r.windowMs) * 1000, p50_ms: r.p50Ms, p99_ms: r.p99Ms },
      cpu: cpuOver(s, [['start', 'end']]),
      notes: errorNote(r.errors, r.firstError),
    };
  },
};

const publish: ScenarioDef = {
  id: 'publish',
  title: (o) =>
    `publish round trip — ${o.echoClients} clients, each publishing ${o.payloadBytes} B to its own room and waiting for its delivery, ${o.publishMs / 1000} s`,
  roundsInOneProcess: false,
  spec: (o) => ({ kind: 'publish', clients: o.echoClients, payloadBytes: o.payloadBytes, warmupMs: o.warmupMs, durationMs: o.publishMs }),
  timeoutMs: (o) => 40_000 + o.warmupMs + o.publishMs,
  metrics: () => [
    { key: 'rt_per_s', label: 'round trips/s', better: 'higher' },
    { key: 'cpu_s_per_100k', label: 'server CPU s/100k round trips', better: 'lower' },
    { key: 'p50_ms', label: 'p50 ms', better: 'lower' },
    { key: 'p99_ms', label: 'p99 ms', better: 'lower' },
    { key: 'bytes_per_delivery', label: 'bytes/delivery', better: 'lower' },
  ],
  primary: () => 'cpu_s_per_100k',
  evaluate(r, s) {
    if (r.kind !== 'publish') throw new Error('expected publish result');
    const a = sample(s, 'start');
    const b = sample(s, 'end');
    return {
      metrics: {
        rt_per_s: (r.roundTrips / r.windowMs) * 1000,
        cpu_s_per_100k: r.roundTrips > 0 ? ((b.serverCpuS - a.serverCpuS) / r.roundTrips) * 100_000 : NaN,
        p50_ms: r.p50Ms,
        p99_ms: r.p99Ms,
        bytes_per_delivery: r.deliveryBytes > 0 ? r.deliveryBytes : NaN,
      },
      cpu: cpuOver(s, [['start', 'end']]),
      notes: errorNote(r.errors, r.firstError),
    };
  },
};

const PHASE_LABEL = { token: 'fresh token', 'token-again': 'same token again', none: 'no token' } as const;
const PHASE_KEY = { token: 'token', 'token-again': 'token_again', none: 'none' } as const;

const connect: ScenarioDef = {
  id: 'connect',
  title: (o) =>
    `connect — ${k(o.connectCount)} connects ${o.connectConcurrency} at a time, three batches: a fresh token each, the same tokens again, no token (peers ignore tokens)`,
  roundsInOneProcess: false,
  spec: (o) => ({ kind: 'connect', connections: o.connectCount, concurrency: o.connectConcurrency, settleMs: o.settleMs }),
  timeoutMs: (o) => 60_000 + o.connectCount * 12,
  metrics: () =>
    (['token', 'token-again', 'none'] as const).flatMap((p) => [
      { key: `cpu_ms_per_1k_${PHASE_KEY[p]}`, label: `server CPU ms/1k connects, ${PHASE_LABEL[p]}`, better: 'lower' as const, compare: p !== 'token' },
      { key: `conn_per_s_${PHASE_KEY[p]}`, label: `conn/s, ${PHASE_LABEL[p]}`, better: 'higher' as const },
    ]),
  primary: () => 'cpu_ms_per_1k_token',
  evaluate(r, s) {
    if (r.kind !== 'connect') throw new Error('expected connect result');
    const metrics: Record<string, number> = {};
    const notes: string[] = [];
    const windows: [string, string][] = [];
    for (const p of r.phases) {
      const ok = p.n - p.errors;
      const cpuS = sample(s, `connected-${p.name}`).serverCpuS - sample(s, `before-${p.name}`).serverCpuS;
      metrics[`cpu_ms_per_1k_${PHASE_KEY[p.name]}`] = ok > 0 ? (cpuS * 1000 * 1000) / ok : NaN;
      metrics[`conn_per_s_${PHASE_KEY[p.name]}`] = (ok / p.connectMs) * 1000;
      windows.push([`before-${p.name}`, `connected-${p.name}`]);
      notes.push(...errorNote(p.errors, p.firstError).map((e) => `${PHASE_LABEL[p.name]}: ${e}`));
    }
    return { metrics, cpu: cpuOver(s, windows), notes };
  },
};

const churn: ScenarioDef = {
  id: 'churn',
  title: (o) =>
    `churn — ${o.churnConcurrency} parallel connect → token → subscribe → close loops, ${o.churnMs / 1000} s per round, rounds in one server process; leak check on the V8 heap after full GCs`,
  roundsInOneProcess: true,
  heapAt: ['settled'],
  spec: (o) => ({
    kind: 'churn',
    concurrency: o.churnConcurrency,
    rooms: o.rooms,
    tokenPool: 1000,
    durationMs: o.churnMs,
    settleMs: o.settleMs,
  }),
  timeoutMs: (o) => 45_000 + o.churnMs + o.settleMs,
  metrics: () => [
    { key: 'cycles_per_s', label: 'cycles/s', better: 'higher' },
    { key: 'rss_after_mb', label: 'RSS after (MB)', better: 'lower' },
    { key: 'heap_after_mb', label: 'heap after GC (MB)', better: 'lower' },
  ],
  primary: () => 'cycles_per_s',
  evaluate(r, s) {
    if (r.kind !== 'churn') throw new Error('expected churn result');
    return {
      metrics: {
        cycles_per_s: (r.cycles / r.windowMs) * 1000,
        cycles: r.cycles,
        rss_after_mb: sample(s, 'settled').serverRssKB / 1024,
        heap_after_mb: (sample(s, 'settled').serverHeapKB ?? NaN) / 1024,
      },
      cpu: cpuOver(s, [['start', 'end']]),
      notes: errorNote(r.errors, r.firstError),
    };
  },
};

const snapshots: ScenarioDef = {
  id: 'snapshots',
  title: (o) =>
    `snapshots — ${o.snapshotSessions} sessions on ${o.sections} sections viewing their list, ${o.bursts} bursts of ${o.recordsPerBurst} change records over every section (Actorwire only)`,
  roundsInOneProcess: false,
  onlyFor: ['actorwire'],
  spec: (o) => ({ kind: 'snapshots', sessions: o.snapshotSessions, sections: o.sections, bursts: o.bursts, recordsPerBurst: o.recordsPerBurst, upstreamPort: 0 }),
  timeoutMs: (o) => 60_000 + o.bursts * 35_000,
  metrics: () => [
    { key: 'upstream_calls_per_record', label: 'upstream calls/record', better: 'lower' },
    { key: 'record_to_last_ms', label: 'record → last session ms (median burst)', better: 'lower' },
    { key: 'cpu_us_per_snapshot', label: 'server CPU µs/delivered snapshot', better: 'lower' },
  ],
  primary: () => 'cpu_us_per_snapshot',
  evaluate(r, s) {
    if (r.kind !== 'snapshots') throw new Error('expected snapshots result');
    const a = sample(s, 'start');
    const b = sample(s, 'end');
    const sorted = [...r.lastSessionMs].sort((x, y) => x - y);
    return {
      metrics: {
        upstream_calls_per_record: r.upstreamCalls / r.records,
        record_to_last_ms: sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)]! : NaN,
        cpu_us_per_snapshot: r.pushes > 0 ? ((b.serverCpuS - a.serverCpuS) / r.pushes) * 1e6 : NaN,
      },
      cpu: cpuOver(s, [['start', 'end']]),
      notes: errorNote(r.errors, r.firstError),
    };
  },
};

export const SCENARIOS: Record<ScenarioId, ScenarioDef> = {
  idle, connect, fanout, 'fanout-dialects': fanoutDialects, 'fanout-compact': fanoutCompact, 'fanout-compact-rooms': fanoutCompactRooms, 'large-room': largeRoom, 'cross-instance': crossInstance, 'cross-instance-history': crossInstanceHistory, 'fanout-history': fanoutHistory,
  'fanout-history-redis': fanoutHistoryRedis, echo, publish, churn, snapshots, recovery,
};
export const SCENARIO_IDS = Object.keys(SCENARIOS) as ScenarioId[];
