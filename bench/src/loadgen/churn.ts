/**
 * Churn: `concurrency` loops of connect → authenticate (token) → subscribe → close for the
 * window. One job is one round; the orchestrator runs several rounds against the same
 * server process and compares RSS after each (leak check). Marks: start, end, settled.
 */
import type { LoadgenResult, ScenarioSpec } from '../types.js';
import type { ScenarioContext } from './context.js';
import { mintTokens } from './tokens.js';
import { errorText, now, sleep } from './util.js';

type Spec = Extract<ScenarioSpec, { kind: 'churn' }>;

export async function churn(spec: Spec, ctx: ScenarioContext): Promise<LoadgenResult> {
  const tokens = await mintTokens(ctx.jwtSecret, ctx.tokenEpoch, spec.tokenPool);
  let running = true;
  let cycles = 0;
  let errors = 0;
  let firstError: string | undefined;
  let next = 0;
  const loop = async () => {
    while (running) {
      const i = next++;
      try {
        const c = await ctx.connect(tokens[i % tokens.length]!);
        await c.subscribe(`room-${i % spec.rooms}`);
        await c.close();
        if (running) cycles++;
      } catch (e) {
        errors++;
        firstError ??= errorText(e);
        await sleep(10); // don't spin on a refusing server
      }
    }
  };

  await ctx.mark('start');
  const t0 = now();
  const loops = Array.from({ length: spec.concurrency }, loop);
  await sleep(spec.durationMs);
  running = false;
  const done = cycles;
  const t1 = now();
  await ctx.mark('end');
  await Promise.race([Promise.all(loops), sleep(15_000)]);
  await sleep(spec.settleMs);
  await ctx.mark('settled');
  return { kind: 'churn', cycles: done, windowMs: t1 - t0, errors, firstError };
}
