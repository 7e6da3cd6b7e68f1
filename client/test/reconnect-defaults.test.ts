/**
 * How fast clients with the default options come back after an outage, and how spread out they
 * arrive: the backoff policy on a simulated clock (100 and 10,000 clients, seeded), then 100 real
 * clients through a real 5-second outage of a real server. And the two helpers around it: a token
 * callback that fails is not an auth refusal (4001, not 4401), and `reconnectNow()` skips the wait.
 */
import t from 'tap';
import WebSocket from 'ws';
import { ActorwireClient, Backoff, DEFAULT_BACKOFF, TOKEN_CALLBACK_FAILED, type WebSocketConstructor } from '../src/index.js';
import { freePort, jwt, next, server } from './support.js';

/** A seeded PRNG (mulberry32): the simulation gives the same answer on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Clients dropped at 0 try at their backoff's delays; every attempt before `outageMs` fails at
 * once (refused). Returns, per client, how long after the server is back its first attempt starts.
 */
function simulate(clients: number, outageMs: number, seed: number): number[] {
  const random = seeded(seed);
  const after: number[] = [];
  for (let i = 0; i < clients; i++) {
    const b = new Backoff(DEFAULT_BACKOFF, random);
    let at = b.next();
    while (at < outageMs) at += b.next();
    after.push(at - outageMs);
  }
  return after.sort((a, b) => a - b);
}
const median = (sorted: number[]) => sorted[Math.floor(sorted.length / 2)]!;

t.test('defaults on a simulated clock: after a 5 s outage 100 clients are back with a median ≤ 1.5 s and none later than 3 s', async (t) => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const after = simulate(100, 5000, seed);
    t.ok(median(after) <= 1500, `seed ${seed}: median ${median(after)} ms after the server is back`);
    t.ok(after.at(-1)! <= 3000, `seed ${seed}: slowest ${after.at(-1)} ms`);
  }
  const long = simulate(100, 120_000, 9);
  t.ok(long.at(-1)! <= 3000, `after a 2-minute outage too: slowest ${long.at(-1)} ms`);
});

t.test('defaults on a simulated clock: a 10,000-client storm is spread, not a thundering herd', async (t) => {
  const after = simulate(10_000, 5000, 7);
  // Arrivals per 100 ms over the first 3 s after the server is back.
  const buckets = new Array<number>(30).fill(0);
  for (const a of after) if (a < 3000) buckets[Math.floor(a / 100)]!++;
  const peak = Math.max(...buckets);
  t.ok(peak <= 10_000 * 0.1, `no 100 ms holds more than a tenth of them: the busiest holds ${peak} (${(peak * 10).toLocaleString('en')} connects/s at its peak)`);
  t.ok(after.filter((a) => a < 250).length < 10_000 * 0.2, 'fewer than a fifth in the first 250 ms');
});

t.test('100 real clients with default options through a real 5 s outage: median ≤ 1.5 s; each tries again within the 2.5 s ceiling', async (t) => {
  const port = await freePort();
  let srv = await server(port);
  t.teardown(() => srv.stop());
  const clients = Array.from({ length: 100 }, (_, i) => new ActorwireClient({
    url: `ws://127.0.0.1:${port}/ws`, WebSocket: WebSocket as unknown as WebSocketConstructor, token: () => jwt(`u${i}`),
  }));
  t.teardown(() => { for (const c of clients) c.close(); });
  await Promise.all(clients.map((c) => c.connect()));
  const lastAttempt = new Map<ActorwireClient, number>();
  for (const c of clients) c.on('connecting', () => lastAttempt.set(c, Date.now()));

  const dropped = Promise.all(clients.map((c) => next(c, 'disconnected', 10_000)));
  await srv.stop();
  await dropped;
  await new Promise((r) => setTimeout(r, 5000));
  srv = await server(port);
  const back = Date.now();
  const connectedAt = await Promise.all(clients.map((c) => next(c, 'connected', 15_000).then(() => Date.now() - back)));
  const sorted = connectedAt.sort((a, b) => a - b);
  t.ok(median(sorted) <= 1500, `median ${median(sorted)} ms from the server being back to connected (slowest ${sorted.at(-1)} ms)`);
  const waits = clients.map((c) => lastAttempt.get(c)! - back);
  t.ok(Math.max(...waits) <= DEFAULT_BACKOFF.maxDelay + 250, `the attempt that succeeded started within ${Math.max(...waits)} ms of the server being back`);
});

t.test('a token callback that fails (the network is down) is reported as 4001 and retried, not as a refused token', async (t) => {
  const srv = await server();
  t.teardown(() => srv.stop());
  let failures = 2;
  const c = new ActorwireClient({
    url: `${srv.wsBase}/ws`, WebSocket: WebSocket as unknown as WebSocketConstructor, backoff: { baseDelay: 20, maxDelay: 50 },
    token: async () => {
      if (failures-- > 0) throw new TypeError('fetch failed');
      return jwt('alice');
    },
  });
  t.teardown(() => c.close());
  const codes: number[] = [];
  const errors: string[] = [];
  c.on('disconnected', ({ code }) => codes.push(code));
  c.on('error', (e) => errors.push((e as { code?: string }).code ?? ''));
  await c.connect();
  t.same(codes, [TOKEN_CALLBACK_FAILED, TOKEN_CALLBACK_FAILED], 'two failures, each 4001');
  t.notOk(codes.includes(4401), 'never 4401: the server refused nothing');
  t.same(errors, ['TOKEN_CALLBACK_FAILED', 'TOKEN_CALLBACK_FAILED']);
  t.equal(c.userId, 'alice', 'connected once the callback answered');
});

t.test('reconnectNow(): a client waiting out a long backoff tries at once', async (t) => {
  const port = await freePort();
  let srv = await server(port);
  t.teardown(() => srv.stop());
  const c = new ActorwireClient({
    url: `ws://127.0.0.1:${port}/ws`, WebSocket: WebSocket as unknown as WebSocketConstructor, token: () => jwt('bob'),
    backoff: { baseDelay: 60_000, maxDelay: 60_000 }, random: () => 0.99,
  });
  t.teardown(() => c.close());
  await c.connect();
  const dropped = next(c, 'disconnected');
  await srv.stop();
  await dropped;
  srv = await server(port);
  const connected = next(c, 'connected', 3000);
  const started = Date.now();
  c.reconnectNow();
  await connected;
  t.ok(Date.now() - started < 3000, `connected ${Date.now() - started} ms after reconnectNow(), not after the ~59 s backoff`);
  c.reconnectNow();
  t.equal(c.state, 'connected', 'while connected it does nothing');
});
