/**
 * Connect: three batches of `connections` connects, each batch held until complete then
 * closed: with a fresh token each, with the same tokens again (a reconnect storm), and
 * without a token. The server's CPU per batch is the cost of a connect with and without
 * token verification. Marks: before-<phase>, connected-<phase>.
 */
import type { ConnectPhase, LoadgenResult, ScenarioSpec } from '../types.js';
import type { BenchClient } from './clients.js';
import type { ScenarioContext } from './context.js';
import { mintTokens } from './tokens.js';
import { now, pool, sleep } from './util.js';

type Spec = Extract<ScenarioSpec, { kind: 'connect' }>;
export const CONNECT_PHASES: readonly ConnectPhase['name'][] = ['token', 'token-again', 'none'];

export async function connect(spec: Spec, ctx: ScenarioContext): Promise<LoadgenResult> {
  const warmup = spec.connections;
  const all = await mintTokens(ctx.jwtSecret, ctx.tokenEpoch, spec.connections + warmup);
  const tokens = all.slice(warmup);
  const phases: ConnectPhase[] = [];
  await sleep(spec.settleMs);
  // An un-measured batch of the same size with tokens of its own first, so the first measured batch
  // neither compiles the code nor grows the heap to its working size.
  const warm: BenchClient[] = [];
  await pool(0, warmup, spec.concurrency, async (i) => {
    warm.push(await ctx.connect(all[i]!));
  });
  for (const c of warm) c.terminate();
  await sleep(spec.settleMs);
  for (const name of CONNECT_PHASES) {
    const held: BenchClient[] = [];
    await ctx.mark(`before-${name}`);
    const t0 = now();
    const outcome = await pool(0, spec.connections, spec.concurrency, async (i) => {
      held.push(await ctx.connect(name === 'none' ? null : tokens[i]!));
    });
    const connectMs = now() - t0;
    await ctx.mark(`connected-${name}`);
    phases.push({ name, n: spec.connections, connectMs, errors: outcome.errors, firstError: outcome.firstError });
    for (const c of held) c.terminate();
    await sleep(spec.settleMs); // let the server finish the closes outside the next window
  }
  return { kind: 'connect', phases };
}
