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
import { closedLoop } from './closed-loop.js';
import { pool } from './util.js';

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
  const roundTrip = (c: BenchClient, i: number) => {
    let timer: NodeJS.Timeout | undefined;
    return new Promise<void>((resolve, reject) => {
      c.onDelivery = resolve;
      timer = setTimeout(() => reject(new Error(`no delivery within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      c.publish(`pub-${i}`, data);
    }).finally(() => clearTimeout(timer));
  };
  const r = await closedLoop(clients, roundTrip, spec, ctx);
  return { kind: 'publish', roundTrips: r.roundTrips, windowMs: r.windowMs, p50Ms: r.p50Ms, p99Ms: r.p99Ms, deliveryBytes: clients[0]!.deliveryBytes, errors: r.errors, firstError: r.firstError };
}
