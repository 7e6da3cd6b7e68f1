/**
 * Echo: `clients` connections each doing ping → pong round trips back to back (one in
 * flight per client). Latency is recorded only inside the window. Marks: start, end.
 */
import type { LoadgenResult, ScenarioSpec } from '../types.js';
import type { BenchClient } from './clients.js';
import type { ScenarioContext } from './context.js';
import { mintTokens } from './tokens.js';
import { Samples, errorText, now, percentile, pool, sleep } from './util.js';

type Spec = Extract<ScenarioSpec, { kind: 'echo' }>;

export async function echo(spec: Spec, ctx: ScenarioContext): Promise<LoadgenResult> {
  const tokens = await mintTokens(ctx.jwtSecret, ctx.tokenEpoch, spec.clients);
  const clients: BenchClient[] = [];
  const setup = await pool(0, spec.clients, 100, async (i) => {
    clients.push(await ctx.connect(tokens[i]!));
  });
  if (setup.errors > 0) throw new Error(`echo setup: ${setup.errors} clients failed (${setup.firstError})`);

  const latencies = new Samples();
  let running = true;
  let recording = false;
  let errors = 0;
  let firstError: string | undefined;
  const loop = async (c: BenchClient) => {
    while (running) {
      const t = now();
      try {
        await c.ping();
      } catch (e) {
        errors++;
        firstError ??= errorText(e);
        return;
      }
      if (recording) latencies.push(now() - t);
    }
  };
  const loops = clients.map(loop);

  await sleep(spec.warmupMs);
  await ctx.mark('start');
  recording = true;
  const t0 = now();
  await sleep(spec.durationMs);
  recording = false;
  const t1 = now();
  await ctx.mark('end');
  running = false;
  await Promise.race([Promise.all(loops), sleep(5000)]);
  for (const c of clients) c.terminate();

  const sorted = latencies.sorted();
  return {
    kind: 'echo',
    roundTrips: sorted.length,
    windowMs: t1 - t0,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length ? sorted[sorted.length - 1]! : NaN,
    errors,
    firstError,
  };
}
