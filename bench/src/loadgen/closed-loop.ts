/**
 * A closed-loop window, shared by echo and publish: each client repeats one round trip back to
 * back (one in flight), un-measured for `warmupMs`, then measured for `durationMs` between the
 * marks start and end. Clients are terminated afterwards.
 */
import type { BenchClient } from './clients.js';
import type { ScenarioContext } from './context.js';
import { Samples, errorText, now, percentile, sleep } from './util.js';

export interface ClosedLoopResult {
  roundTrips: number;
  windowMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  firstError?: string;
}

export async function closedLoop(
  clients: BenchClient[],
  roundTrip: (c: BenchClient, i: number) => Promise<void>,
  o: { warmupMs: number; durationMs: number },
  ctx: ScenarioContext,
): Promise<ClosedLoopResult> {
  const latencies = new Samples();
  let running = true;
  let recording = false;
  let errors = 0;
  let firstError: string | undefined;
  const loop = async (c: BenchClient, i: number) => {
    while (running) {
      const t = now();
      try {
        await roundTrip(c, i);
      } catch (e) {
        errors++;
        firstError ??= errorText(e);
        return;
      }
      if (recording) latencies.push(now() - t);
    }
  };
  const loops = clients.map(loop);

  await sleep(o.warmupMs);
  await ctx.mark('start');
  recording = true;
  const t0 = now();
  await sleep(o.durationMs);
  recording = false;
  const t1 = now();
  await ctx.mark('end');
  running = false;
  await Promise.race([Promise.all(loops), sleep(5000)]);
  for (const c of clients) c.terminate();

  const sorted = latencies.sorted();
  return {
    roundTrips: sorted.length,
    windowMs: t1 - t0,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length ? sorted[sorted.length - 1]! : NaN,
    errors,
    firstError,
  };
}
