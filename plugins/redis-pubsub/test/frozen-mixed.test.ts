/**
 * A frozen Redis (SIGSTOP on the test's own redis-server, 15 s) under a realistic mixed load on a
 * real server process — 200 sessions joining and leaving rooms (presence writes and reads),
 * publishing into plain rooms and rooms with history (Redis Streams) — then SIGCONT. What the
 * process holds for Redis is bounded: publishes awaiting it (REDIS_MAX_PENDING_BYTES), history
 * appends (HISTORY_MAX_PENDING_BYTES; beyond, history rooms answer UNAVAILABLE), one presence write
 * at a time. (A command timeout would not help: a timed-out command's bytes stay in the socket's
 * write buffer while the accounting forgets them.) What the process keeps, over the same load with
 * Redis up, stays within the documented bound at the end of the freeze and after the thaw (its
 * RSS, after a full GC when the RSS alone is above the bound: garbage not yet collected is not
 * kept — a machine short of CPU collects later); the peak, garbage included, stays within twice
 * the bound; and the sessions are served again.
 */
// actorwire-test: runs alone — it measures memory under load; `npm test` runs it after the others, with nothing beside it.
import t from 'tap';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectGarbage, connect, inspectorUrl, rssOf, until, type TestClient } from '@actorwire/testing';
import { jwt, SECRET, services } from './support.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const MB = 1024 * 1024;
/** Sessions, and the send buffer each may hold for a reader that falls behind (the test's own readers share its CPU). */
const SESSIONS = 200;
const SOCKET_BUFFER = 64 * 1024;
/**
 * The bound the README documents for the defaults and this load: 4 MiB of publishes and 1 MiB of
 * history appends awaiting Redis (with what holds them), and at the thaw those appends delivered
 * at once to their rooms' local members (10 each here), with headroom for the allocator; plus the
 * sessions' send buffers, each capped by WEBSOCKET_MAX_BACKPRESSURE.
 */
const BOUND = 40 * MB + SESSIONS * SOCKET_BUFFER;

t.setTimeout(180_000);

t.test('Redis frozen 15 s under mixed load: memory bounded at peak and after the thaw, sessions served again', async (t) => {
  const { startRedisServer } = await services();
  const redis = await startRedisServer();
  t.teardown(() => redis.stop());
  const child = spawn(process.execPath, ['--max-semi-space-size=8', '--inspect=127.0.0.1:0', join(repo, 'server/dist/bin.js')], {
    env: {
      ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', JWT_SECRET: SECRET, REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'frozen:',
      ACTORWIRE_PLUGINS: 'auth,rooms,redis-pubsub,history', HISTORY_ROOMS: 'hist-*=500', ACTORWIRE_RATE_LIMIT: '0',
      WEBSOCKET_LIMITS_MAX_CONNECTIONS_PER_ROOM: '1000', WEBSOCKET_MAX_BACKPRESSURE: String(SOCKET_BUFFER), KAFKA_BROKERS: '', REST_BASE_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => { child.kill('SIGKILL'); });
  const inspector = inspectorUrl(child.stderr!);
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c;
      const m = /"port":(\d+)/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  child.stdout!.resume();
  const clients: TestClient[] = [];
  for (let i = 0; i < SESSIONS; i++) clients.push(await connect(`ws://127.0.0.1:${port}/ws?token=${await jwt({ sub: `u${i % 50}` })}`));
  t.teardown(() => { for (const c of clients) c.terminate(); });
  // Receivers drop what they get: only the server is measured.
  for (const c of clients) { c.ws.removeAllListeners('message'); c.ws.on('message', () => undefined); }
  const rooms = (i: number) => (i % 2 === 0 ? `hist-${i % 20}` : `room-${i % 20}`);
  for (let i = 0; i < clients.length; i++) clients[i]!.send({ type: 'subscribe', room: rooms(i) });
  await new Promise((r) => setTimeout(r, 1000));

  let running = true;
  let tick = 0;
  const body = 'p'.repeat(2000);
  // ~2,000 publishes/s (4 MB/s) plus joins, leaves and presence reads, until stopped.
  const load = (async () => {
    while (running) {
      tick++;
      for (let k = 0; k < 20; k++) {
        const i = (tick * 20 + k) % clients.length;
        const c = clients[i]!;
        c.send({ type: 'publish', room: rooms(i), data: { tick, body } });
        if (k === 0) {
          c.send({ type: 'unsubscribe', room: rooms(i) });
          c.send({ type: 'subscribe', room: rooms(i) });
          c.send({ type: 'presence', room: rooms(i) });
        }
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  await new Promise((r) => setTimeout(r, 3000));
  // The same load with Redis up first: what the process holds for it anyway (socket buffers, garbage).
  const start = rssOf(child.pid!);
  let peak = start;
  const sample = setInterval(() => { peak = Math.max(peak, rssOf(child.pid!)); }, 200);
  t.teardown(() => clearInterval(sample));
  await new Promise((r) => setTimeout(r, 10_000));
  const before = peak;
  t.comment(`baseline: RSS ${(start / MB).toFixed(1)} MB, peak under load with Redis up ${(before / MB).toFixed(1)} MB`);

  const mb = (n: number) => (n / MB).toFixed(1);
  const signed = (n: number) => `${n < 0 ? '−' : '+'}${mb(Math.abs(n))}`;
  /** The RSS now over `before`, after a full GC if the RSS alone is above the bound; and how it was measured. */
  const kept = async (): Promise<[number, string]> => {
    const rss = rssOf(child.pid!) - before;
    if (rss <= BOUND) return [rss, 'its RSS'];
    await collectGarbage(await inspector);
    return [rssOf(child.pid!) - before, `its RSS after a full GC (+${mb(rss)} MB before it)`];
  };

  process.kill(redis.pid!, 'SIGSTOP');
  t.teardown(() => { try { process.kill(redis.pid!, 'SIGCONT'); } catch { /* gone */ } });
  await new Promise((r) => setTimeout(r, 15_000));
  const frozenPeak = peak;
  const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { components: Record<string, { status: string }> };
  t.equal(health.components.redis?.status, 'degraded', 'frozen: /health says Redis is not keeping up');
  t.equal(health.components.history?.status, 'degraded', 'frozen: and that history rooms refuse publishes');
  const [frozenKept, frozenHow] = await kept();
  process.kill(redis.pid!, 'SIGCONT');
  await new Promise((r) => setTimeout(r, 8000));
  running = false;
  await load;
  clearInterval(sample);
  const [thawedKept, thawedHow] = await kept();
  t.ok(frozenKept <= BOUND, `frozen 15 s: kept ${signed(frozenKept)} MB (${frozenHow}) ≤ ${mb(BOUND)} MB (before ${mb(before)} MB)`);
  t.ok(thawedKept <= BOUND, `8 s after the thaw: kept ${signed(thawedKept)} MB (${thawedHow}) ≤ ${mb(BOUND)} MB`);
  t.ok(peak - before <= 2 * BOUND, `peak, garbage included: +${mb(peak - before)} MB ≤ ${mb(2 * BOUND)} MB (frozen +${mb(frozenPeak - before)} MB)`);

  // Served again: a history room takes a publish and a fresh session receives it.
  const probe = await connect(`ws://127.0.0.1:${port}/ws?token=${await jwt({ sub: 'probe' })}`);
  t.teardown(() => probe.terminate());
  await until(async () => (await probe.request({ type: 'subscribe', room: 'hist-probe' })).type === 'subscribed', 15_000, 'history rooms join again');
  probe.send({ type: 'publish', room: 'hist-probe', data: 'thawed' });
  const m = await probe.next('message', 10_000);
  t.equal(m.data, 'thawed', 'publishes to history rooms are numbered and delivered again');
  t.type(m.offset, 'number');
});
