import type { Connect } from './clients.js';

/** What a scenario gets from the load generator process. */
export interface ScenarioContext {
  connect: Connect;
  /** Connect to the second instance (cross-instance scenarios). */
  connectPeer?: Connect;
  jwtSecret: string;
  /** Issue time of every token of the run (seconds). */
  tokenEpoch: number;
  /** Ask the orchestrator to sample both processes now; resolves once it has. */
  mark(name: string): Promise<void>;
}
