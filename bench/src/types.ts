/** Types shared across the orchestrator / load generator boundary (IPC messages are JSON). */

export type ClientKind = 'ws' | 'socketio';
export type ScenarioId = 'idle' | 'connect' | 'fanout' | 'fanout-dialects' | 'fanout-compact' | 'fanout-compact-rooms' | 'large-room' | 'cross-instance' | 'cross-instance-history' | 'fanout-history' | 'fanout-history-redis' | 'echo' | 'publish' | 'churn' | 'snapshots' | 'recovery';

/** How the load generator is told to drive one scenario round. */
export type ScenarioSpec =
  | { kind: 'idle'; steps: number[]; rooms: number; concurrency: number; settleMs: number }
  | { kind: 'fanout'; subscribers: number; window: number; payloadBytes: number; warmupMs: number; durationMs: number; /** Every other subscriber connects in this wire dialect. */ secondDialect?: 'gateway'; /** Every subscriber connects in this dialect. */ dialect?: 'compact'; /** Subscribers on the second instance (the job's peerUrl), the publisher alone on the first. */ peer?: boolean }
  | { kind: 'echo'; clients: number; warmupMs: number; durationMs: number }
  | { kind: 'publish'; clients: number; payloadBytes: number; warmupMs: number; durationMs: number }
  | { kind: 'connect'; connections: number; concurrency: number; settleMs: number }
  | { kind: 'churn'; concurrency: number; rooms: number; tokenPool: number; durationMs: number; settleMs: number }
  | { kind: 'snapshots'; sessions: number; sections: number; bursts: number; recordsPerBurst: number; upstreamPort: number }
  | { kind: 'recovery'; clients: number; rooms: number; missed: number; concurrency: number };

export interface LoadgenJob {
  /** ws://…/ws for raw-JSON targets, http://host:port for Socket.IO. */
  url: string;
  client: ClientKind;
  jwtSecret: string;
  /** Issue time (s) of every token of the run, so a token is the same in every round. */
  tokenEpoch: number;
  spec: ScenarioSpec;
  /** A second instance of the target (cross-instance scenarios). */
  peerUrl?: string;
}

export interface IdleStep {
  n: number;
  connectMs: number;
  errors: number;
  firstError?: string;
}

/** One batch of the connect scenario: `n` connections opened, then all closed before the next. */
export interface ConnectPhase {
  /** `token`: a fresh token each; `token-again`: the same tokens once more (a reconnect storm); `none`: no token. */
  name: 'token' | 'token-again' | 'none';
  n: number;
  connectMs: number;
  errors: number;
  firstError?: string;
}

/** Raw counts measured by the load generator; CPU and RSS come from the orchestrator's samples. */
export type LoadgenResult =
  | { kind: 'idle'; steps: IdleStep[] }
  | {
      kind: 'fanout';
      deliveries: number;
      publishes: number;
      windowMs: number;
      stalled: boolean;
      clientCount: number;
      /** Size on the wire of one delivery as the client received it (WebSocket payload bytes). */
      deliveryBytes: number;
      /** Publish → the last subscriber's delivery, over the measured publishes (ms). */
      lastDeliveryP50Ms: number;
      lastDeliveryP99Ms: number;
      errors: number;
      firstError?: string;
    }
  | { kind: 'echo'; roundTrips: number; windowMs: number; p50Ms: number; p99Ms: number; maxMs: number; errors: number; firstError?: string }
  | { kind: 'publish'; roundTrips: number; windowMs: number; p50Ms: number; p99Ms: number; deliveryBytes: number; errors: number; firstError?: string }
  | { kind: 'connect'; phases: ConnectPhase[] }
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
    }
  | { kind: 'recovery'; clients: number; recovered: number; resent: number; ms: number; errors: number; firstError?: string };

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
  /** The second instance's CPU, and Redis's, when the scenario runs them (cross-instance). */
  peerCpuS?: number;
  redisCpuS?: number;
  /** V8 heap used after full garbage collections, when the scenario asked for it (churn). */
  serverHeapKB?: number;
  /** Busy CPU seconds of the whole machine, and of this orchestrator process. */
  machineBusyS: number;
  orchestratorCpuS: number;
}
