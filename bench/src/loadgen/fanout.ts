/**
 * Fan-out: `subscribers` clients in one room; one of them publishes with at most `window`
 * publishes not yet delivered to every subscriber. Each subscriber receives publishes in
 * order, so its k-th delivery is publish k: counting per subscriber tells when publish k
 * reached everyone, without parsing frames; the time from sending publish k to that moment is
 * its publish → last delivery time. Marks: start, end (after warm-up).
 */
import type { LoadgenResult, ScenarioSpec } from '../types.js';
import type { ScenarioContext } from './context.js';
import { mintTokens } from './tokens.js';
import { errorText, now, pool, sleep } from './util.js';
import type { BenchClient } from './clients.js';

type Spec = Extract<ScenarioSpec, { kind: 'fanout' }>;
const ROOM = 'fanout';
const STALL_MS = 3000;

export async function fanout(spec: Spec, ctx: ScenarioContext): Promise<LoadgenResult> {
  const n = spec.subscribers;
  const tokens = await mintTokens(ctx.jwtSecret, ctx.tokenEpoch, n);
  const clients: BenchClient[] = new Array(n);
  let clientCount = 0;
  // Across instances the subscribers are on the second one and the publisher alone on the first.
  const connectSubscriber = spec.peer ? ctx.connectPeer : ctx.connect;
  if (!connectSubscriber) throw new Error('fan-out across instances: no second instance to connect to');
  const setup = await pool(0, n, 200, async (i) => {
    const c = await connectSubscriber(tokens[i]!, spec.secondDialect !== undefined && i % 2 === 1 ? spec.secondDialect : spec.dialect);
    clients[i] = c;
    clientCount = Math.max(clientCount, await c.subscribe(ROOM));
  });
  if (setup.errors > 0) throw new Error(`fan-out setup: ${setup.errors} of ${n} clients failed (${setup.firstError})`);

  // data is exactly payloadBytes of JSON: {"p":"xxx…"}
  const data = { p: 'x'.repeat(Math.max(0, spec.payloadBytes - 8)) };
  let publisher = clients[0]!;
  if (spec.peer) {
    publisher = await ctx.connect((await mintTokens(ctx.jwtSecret, ctx.tokenEpoch, n + 1))[n]!);
    await publisher.subscribe(ROOM);
    // The second instance joins the room's Redis channel as its first subscriber arrives: publish
    // probes until one crosses, so the measured pump starts on a working path.
    let crossed = false;
    clients[n - 1]!.onDelivery = () => { crossed = true; };
    const deadline = now() + 10_000;
    while (!crossed && now() < deadline) {
      publisher.publish(ROOM, data);
      await sleep(100);
    }
    if (!crossed) throw new Error('fan-out across instances: no message reached the second instance within 10 s');
    // Probes still in flight land before the counting starts.
    await sleep(500);
  }

  // reached[k & mask] = subscribers that have received publish k; only publishes in
  // (completed, sent] are live, so a ring twice the window suffices.
  let size = 1;
  while (size < spec.window * 2) size <<= 1;
  const mask = size - 1;
  const reached = new Uint32Array(size);
  // When publish k was sent, for its publish → last delivery time (ms, this process's clock).
  const sentAt = new Float64Array(size);
  let spans: number[] = [];
  const counts = new Uint32Array(n);
  let sent = 0;
  let completed = 0;
  let deliveries = 0;
  let pumping = true;
  let lastProgress = now();
  let errors = 0;
  let firstError: string | undefined;

  const pump = () => {
    while (pumping && sent - completed < spec.window) {
      try {
        publisher.publish(ROOM, data);
        sent++;
        sentAt[sent & mask] = now();
      } catch (e) {
        errors++;
        firstError ??= errorText(e);
        return;
      }
    }
  };
  for (let i = 0; i < n; i++) {
    clients[i]!.onDelivery = () => {
      const k = ++counts[i]!;
      deliveries++;
      if (++reached[k & mask]! === n) {
        reached[k & mask] = 0;
        completed = k;
        lastProgress = now();
        spans.push(lastProgress - sentAt[k & mask]!);
        pump();
      }
    };
  }

  let stalled = false;
  const watchdog = setInterval(() => {
    if (sent > completed && now() - lastProgress > STALL_MS) stalled = true;
  }, 250);
  const waitOrStall = async (ms: number) => {
    const until = now() + ms;
    while (!stalled && now() < until) await sleep(Math.min(100, until - now()));
  };

  pump();
  await waitOrStall(spec.warmupMs);
  const d0 = deliveries;
  const p0 = completed;
  const t0 = now();
  spans = [];
  await ctx.mark('start');
  await waitOrStall(spec.durationMs);
  const d1 = deliveries;
  const p1 = completed;
  const t1 = now();
  const measured = spans.sort((a, b) => a - b);
  await ctx.mark('end');
  pumping = false;
  const drainUntil = now() + STALL_MS;
  while (completed < sent && now() < drainUntil) await sleep(20);
  clearInterval(watchdog);
  for (const c of clients) c.terminate();
  const at = (q: number) => (measured.length ? measured[Math.min(measured.length - 1, Math.floor(q * measured.length))]! : NaN);
  return { kind: 'fanout', deliveries: d1 - d0, publishes: p1 - p0, windowMs: t1 - t0, stalled, clientCount, deliveryBytes: clients[n - 1]!.deliveryBytes, lastDeliveryP50Ms: at(0.5), lastDeliveryP99Ms: at(0.99), errors, firstError };
}
