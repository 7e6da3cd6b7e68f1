/** Types shared across the orchestrator / load generator boundary (IPC messages are JSON). */

export type ClientKind = 'ws' | 'socketio';
export type ScenarioId = 'idle' | 'fanout' | 'fanout-dialects' | 'echo' | 'churn' | 'snapshots';

/** How the load generator is told to drive one scenario round. */
export type ScenarioSpec =
  | { kind: 'idle'; steps: number[]; rooms: number; concurrency: number; settleMs: number }
  | { kind: 'fanout'; subscribers: number; window: number; payloadBytes: number; warmupMs: number; durationMs: number; /** Every other subscriber connects in this wire dialect. */ secondDialect?: 'gateway' }
  | { kind: 'echo'; clients: number; warmupMs: number; durationMs: number }
  | { kind: 'churn'; concurrency: number; rooms: number; tokenPool: number; durationMs: number; settleMs: number }
  | { kind: 'snapshots'; sessions: number; sections: number; bursts: number; recordsPerBurst: number; upstreamPort: number };

export interface LoadgenJob {
  /** ws://…/ws for raw-JSON targets, http://host:port for Socket.IO. */
  url: string;
  client: ClientKind;
  jwtSecret: string;
  spec: ScenarioSpec;
}

export interface IdleStep {
  n: number;
  connectMs: number;
  errors: number;
  firstError?: string;
}

/** Raw counts measured by the load generator; CPU and RSS come from the orchestrator's samples. */
export type LoadgenResult =
  | { kind: 'idle'; steps: IdleStep[] }
  | { kind: 'fanout'; deliveries: number; publishes: number; windowMs: number; stalled: boolean; clientCount: number; errors: number; firstError?: string }
  | { kind: 'echo'; roundTrips: number; windowMs: number; p50Ms: number; p99Ms: number; maxMs: number; errors: number; firstError?: string }
  | { kind: 'churn'; cycles: number; windowMs: number; errors: number; firstError?: string }
  | {
      kind: 'snapshots';
      records: number;
      /** Upstream calls caused by the bursts (not the initial views). */
      upstreamCalls: number;
      /** Snapshots pushed to sessions during the bursts. */
      pushes: number;
      /** Per burst: ms from posting its records to the last affected session receiving its snapshot. */
      lastSessionMs: number[];
      errors: number;
      firstError?: string;
    };

/** Orchestrator → load generator. */
export type ToLoadgen = { t: 'run'; job: LoadgenJob } | { t: 'marked'; name: string };

/** Load generator → orchestrator. `mark` asks for a /proc sample of both processes now. */
export type FromLoadgen =
  | { t: 'ready' }
  | { t: 'mark'; name: string }
  | { t: 'done'; result: LoadgenResult }
  | { t: 'failed'; error: string };

/** One /proc sample of both processes, taken when the load generator marks a phase. */
export interface Sample {
  /** monotonic ms */
  at: number;
  serverCpuS: number;
  loadgenCpuS: number;
  serverRssKB: number;
  /** Busy CPU seconds of the whole machine, and of this orchestrator process. */
  machineBusyS: number;
  orchestratorCpuS: number;
}
