/**
 * Echo: `clients` connections each doing ping → pong round trips back to back (one in
 * flight per client). Latency is recorded only inside the window. Marks: start, end.
 */
import type { LoadgenResult, ScenarioSpec } from '../types.js';
import type { BenchClient } from './clients.js';
import type { ScenarioContext } from './context.js';
import { mintTokens } from './tokens.js';
import { closedLoop } from './closed-loop.js';
import { pool } from './util.js';

type Spec = Extract<ScenarioSpec, { kind: 'echo' }>;

export async function echo(spec: Spec, ctx: ScenarioContext): Promise<LoadgenResult> {
  const tokens = await mintTokens(ctx.jwtSecret, ctx.tokenEpoch, spec.clients);
  const clients: BenchClient[] = [];
  const setup = await pool(0, spec.clients, 100, async (i) => {
    clients.push(await ctx.connect(tokens[i]!));
  });
  if (setup.errors > 0) throw new Error(`echo setup: ${setup.errors} clients failed (${setup.firstError})`);

  const r = await closedLoop(clients, (c) => c.ping(), spec, ctx);
  return { kind: 'echo', ...r };
}
