import type { ClientKind, ScenarioId } from '../types.js';

export interface LaunchSpec {
  /** Arguments after the node binary. */
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/** A server under test: how to start it, how to tell it is ready, how to reach it. */
export interface TargetDef {
  name: string;
  description: string;
  client: ClientKind;
  /** Verifies the per-connection token (only Actorwire; peers ignore it). */
  authenticates: boolean;
  /** Why it cannot run on this checkout, or null. */
  unavailable(): string | null;
  /** `upstreamUrl`: the REST stand-in of the snapshots scenario (served by the load generator). */
  launch(ctx: { port: number; jwtSecret: string; scenario: ScenarioId; upstreamUrl: string }): LaunchSpec;
  ready: { kind: 'line' } | { kind: 'http'; path: string };
  startTimeoutMs: number;
  url(port: number): string;
}
