/**
 * Publish round trip: `clients` connections, each subscribed to a room of its own, each
 * publishing to it and waiting for its own delivery before the next (one in flight per
 * client). Unlike echo's ping, every round trip crosses the whole publish pipeline:
 * parse, validation, authorization, publish hooks, frame build, serialization, fan-out.
 * Marks: start, end.
 */
import type { LoadgenResult, ScenarioSpec } from '../types.js';
import type { BenchClient } from './clients.js';
import type { ScenarioContext } from './context.js';
import { mintTokens } from './tokens.js';
import { Samples, errorText, now, percentile, pool, sleep } from './util.js';

type Spec = Extract<ScenarioSpec, { kind: 'publish' }>;
const TIMEOUT_MS = 10_000;

export async function publish(spec: Spec, ctx: ScenarioContext): Promise<LoadgenResult> {
  const tokens = await mintTokens(ctx.jwtSecret, ctx.tokenEpoch, spec.clients);
  const clients: BenchClient[] = new Array(spec.clients);
  const setup = await pool(0, spec.clients, 100, async (i) => {
    const c = await ctx.connect(tokens[i]!);
    clients[i] = c;
    await c.subscribe(`pub-${i}`);
  });
  if (setup.errors > 0) throw new Error(`publish setup: ${setup.errors} clients failed (${setup.firstError})`);

  // data is exactly payloadBytes of JSON: {"p":"xxx…"}
  const data = { p: 'x'.repeat(Math.max(0, spec.payloadBytes - 8)) };
  const latencies = new Samples();
  let running = true;
  let recording = false;
  let errors = 0;
  let firstError: string | undefined;

  const loop = async (c: BenchClient, room: string) => {
    while (running) {
      const t = now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await new Promise<void>((resolve, reject) => {
          c.onDelivery = resolve;
          timer = setTimeout(() => reject(new Error(`no delivery within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
          c.publish(room, data);
        });
      } catch (e) {
        errors++;
        firstError ??= errorText(e);
        return;
      } finally {
        clearTimeout(timer);
      }
      if (recording) latencies.push(now() - t);
    }
  };
  const loops = clients.map((c, i) => loop(c, `pub-${i}`));

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
    kind: 'publish',
    roundTrips: sorted.length,
    windowMs: t1 - t0,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    deliveryBytes: clients[0]!.deliveryBytes,
    errors,
    firstError,
  };
}
