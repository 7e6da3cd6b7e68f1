/**
 * Idle: open connections in steps (e.g. 5,000 then 10,000), each authenticated by its
 * token and subscribed to one of `rooms` rooms, then hold them while the server settles.
 * Marks: start, connected-<n>, settled-<n>.
 */
import type { IdleStep, LoadgenResult, ScenarioSpec } from '../types.js';
import type { BenchClient } from './clients.js';
import type { ScenarioContext } from './context.js';
import { mintTokens } from './tokens.js';
import { now, pool, sleep } from './util.js';

type Spec = Extract<ScenarioSpec, { kind: 'idle' }>;

export async function idle(spec: Spec, ctx: ScenarioContext): Promise<LoadgenResult> {
  const total = Math.max(...spec.steps);
  const tokens = await mintTokens(ctx.jwtSecret, ctx.tokenEpoch, total);
  const held: BenchClient[] = [];
  const steps: IdleStep[] = [];
  // Let the freshly started server finish its start-up work before the RSS baseline.
  await sleep(spec.settleMs);
  await ctx.mark('start');
  let from = 0;
  for (const n of [...spec.steps].sort((a, b) => a - b)) {
    const t0 = now();
    const outcome = await pool(from, n, spec.concurrency, async (i) => {
      const c = await ctx.connect(tokens[i]!);
      held.push(c);
      await c.subscribe(`room-${i % spec.rooms}`);
    });
    const connectMs = now() - t0;
    await ctx.mark(`connected-${n}`);
    await sleep(spec.settleMs);
    await ctx.mark(`settled-${n}`);
    steps.push({ n, connectMs, errors: outcome.errors, firstError: outcome.firstError });
    from = n;
  }
  // Held sockets die with the process; the orchestrator kills us right after.
  return { kind: 'idle', steps };
}
