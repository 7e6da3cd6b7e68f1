/**
 * History byte budgets (memory store): a per-message cap (a larger publish answers TOO_LARGE and
 * is neither delivered nor numbered), a per-room budget and a total budget, the oldest messages
 * going first; a recovery from before an eviction answers `recovered: false`. And the finding
 * itself: one user flooding 400 KB messages into many rooms grows a real server process's RSS by
 * no more than the configured total + 20 % once its garbage is collected. When V8 collects is V8's
 * business — its memory reducer may wait long after a burst (on Node 24 it did not run at all,
 * and under load on Node 20 not always within 25 s) — so after 10 s the test asks for the full
 * GC the reducer would run, through the server's inspector, and measures again.
 */
// actorwire-test: runs alone — it measures memory under load; `npm test` runs it after the others, with nothing beside it.
import t from 'tap';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectGarbage, connect, inspectorUrl, rssOf, startTestServer, type TestServer } from '@actorwire/testing';
import rooms from '@actorwire/plugin-rooms';
import history, { type HistoryOptions } from '../src/index.js';

/** `maxBytes`: the kernel's broker's total (`history.maxBytes`, env HISTORY_MAX_BYTES). */
async function server(t: { teardown(fn: () => unknown): void }, opts: Partial<HistoryOptions>, maxBytes?: number): Promise<TestServer> {
  const srv = await startTestServer({
    config: { websocket: { rateLimit: { messagesPerSecond: 0 } }, ...(maxBytes ? { history: { maxBytes } } : {}) },
    plugins: [[rooms, {}], [history, { rooms: [{ pattern: '*', size: 1000 }], ...opts }]],
  });
  t.teardown(() => srv.stop());
  return srv;
}

const health = async (srv: TestServer) => (await (await fetch(`${srv.httpBase}/health`)).json()) as { components: { history: { bytes: number; maxBytes: number } } };

t.test('a message over the cap answers TOO_LARGE, is not delivered and takes no offset', async (t) => {
  const srv = await server(t, { maxMessageBytes: 1024 });
  const a = await srv.connect();
  const b = await srv.connect();
  await a.request({ type: 'subscribe', room: 'r' });
  await b.request({ type: 'subscribe', room: 'r' });
  const refused = await a.request({ type: 'publish', room: 'r', data: 'x'.repeat(2000) });
  t.equal(refused.code, 'TOO_LARGE');
  a.send({ type: 'publish', room: 'r', data: 'small' });
  const m = await b.next('message');
  t.equal(m.data, 'small', 'the oversize message never reached the room');
  t.equal(m.offset, 1, 'and took no offset');
});

t.test('per-room budget: the oldest go first; recovering from before them answers recovered:false', async (t) => {
  const srv = await server(t, { maxMessageBytes: 2048, maxRoomBytes: 10 * 1024 }, 1024 * 1024);
  const a = await srv.connect();
  const sub = await a.request({ type: 'subscribe', room: 'r' });
  for (let i = 0; i < 20; i++) a.send({ type: 'publish', room: 'r', data: { i, pad: 'x'.repeat(1000) } });
  await a.request({ type: 'ping' });
  const page = await a.request({ type: 'history', room: 'r', limit: 100 });
  const kept = page.data.messages.length;
  t.ok(kept < 20 && kept >= 8, `about 10 KB of ~1.1 KB messages kept (${kept})`);
  t.equal(page.data.messages.at(-1).offset, 20, 'the newest are kept');
  t.equal(page.data.messages[0].offset, 20 - kept + 1, 'the oldest went');
  const late = await srv.connect();
  const recovered = await late.request({ type: 'subscribe', room: 'r', since: { offset: 1, epoch: sub.data.epoch } });
  t.equal(recovered.data.recovered, false, 'offset 2 was evicted: not recovered');
  const late2 = await srv.connect();
  const exact = await late2.request({ type: 'subscribe', room: 'r', since: { offset: 19, epoch: sub.data.epoch } });
  t.equal(exact.data.recovered, true, 'from a kept offset: recovered');
});

t.test('total budget: many rooms together stay within it', async (t) => {
  const srv = await server(t, { maxMessageBytes: 4096, maxRoomBytes: 64 * 1024 }, 100 * 1024);
  const a = await srv.connect();
  for (let r = 0; r < 20; r++) {
    await a.request({ type: 'subscribe', room: `room-${r}` });
    for (let i = 0; i < 10; i++) a.send({ type: 'publish', room: `room-${r}`, data: 'y'.repeat(3000) });
    await a.request({ type: 'ping' });
    await a.request({ type: 'unsubscribe', room: `room-${r}` });
  }
  const h = await health(srv);
  t.ok(h.components.history.bytes <= 100 * 1024, `kept ${h.components.history.bytes} ≤ 102400`);
  t.ok(h.components.history.bytes > 50 * 1024, 'and the budget is used');
  const newest = await a.request({ type: 'history', room: 'room-19', limit: 100 });
  t.equal(newest.data.messages.length, 10, 'the most recent room is whole');
  const oldest = await a.request({ type: 'history', room: 'room-0', since: { offset: 0, epoch: newest.data.epoch }, limit: 100 });
  t.equal(oldest.data.complete, false, 'the least recently used room lost its history');
});

const repo = fileURLToPath(new URL('../../..', import.meta.url));


t.test('a flood of 400 KB messages into many rooms grows the server\'s RSS by at most the total budget + 20 %', async (t) => {
  const TOTAL = 48 * 1024 * 1024;
  const child = spawn(process.execPath, ['--max-semi-space-size=8', '--inspect=127.0.0.1:0', join(repo, 'server/dist/bin.js')], {
    env: {
      ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ACTORWIRE_PLUGINS: 'rooms,history',
      HISTORY_ROOMS: '*=1000', HISTORY_STORAGE: 'memory', HISTORY_MAX_MESSAGE_SIZE: '450000', HISTORY_MAX_ROOM_BYTES: String(8 * 1024 * 1024), HISTORY_MAX_BYTES: String(TOTAL),
      ACTORWIRE_RATE_LIMIT: '0', REDIS_URL: '', KAFKA_BROKERS: '', REST_BASE_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const inspector = inspectorUrl(child.stderr!);
  t.teardown(() => { child.kill('SIGKILL'); });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c;
      const m = /"port":(\d+)/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${buf.slice(-500)}`)));
  });
  child.stdout!.resume();
  const clients = await Promise.all(Array.from({ length: 4 }, () => connect(`ws://127.0.0.1:${port}/ws`)));
  t.teardown(() => { for (const c of clients) c.terminate(); });
  // Receivers drop what they get: the client side's memory is not measured.
  for (const c of clients) { c.ws.removeAllListeners('message'); c.ws.on('message', () => undefined); }
  const ROOMS = 40;
  for (let r = 0; r < ROOMS; r++) clients[r % 4]!.send({ type: 'subscribe', room: `flood-${r}` });
  await new Promise((r) => setTimeout(r, 500));
  const before = rssOf(child.pid!);
  const body = 'z'.repeat(400 * 1024 - 200);
  let peak = before;
  // 4 connections × 120 messages × 400 KB ≈ 190 MB published, about 4× the budget.
  for (let round = 0; round < 120; round++) {
    for (let c = 0; c < 4; c++) clients[c]!.send({ type: 'publish', room: `flood-${(round * 4 + c) % ROOMS}`, data: body });
    // Let the server keep up (its sockets' send buffers are not what is measured here).
    while (clients.some((c) => c.ws.bufferedAmount > 0)) await new Promise((r) => setTimeout(r, 5));
    if (round % 10 === 9) {
      await new Promise((r) => setTimeout(r, 50));
      peak = Math.max(peak, rssOf(child.pid!));
    }
  }
  const res = await fetch(`http://127.0.0.1:${port}/health`);
  const h = (await res.json()) as { components: { history: { bytes: number } } };
  t.ok(h.components.history.bytes <= TOTAL, `kept ${(h.components.history.bytes / 1048576).toFixed(1)} MB ≤ the 48 MB budget`);
  // What is kept is bounded; what was evicted is garbage until V8 collects it (its memory reducer
  // runs once allocation stops). Poll, bounded, for the process to settle.
  let after = rssOf(child.pid!);
  const settle = async (ms: number) => {
    for (let waited = 0; after - before > TOTAL * 1.2 && waited < ms; waited += 500) {
      await new Promise((r) => setTimeout(r, 500));
      after = rssOf(child.pid!);
    }
  };
  await settle(10_000);
  const mb = (n: number) => (n / 1048576).toFixed(1);
  let how = 'on its own';
  if (after - before > TOTAL * 1.2) {
    how = `after a full GC asked through the inspector (${mb(after - before)} MB before it)`;
    await collectGarbage(await inspector);
    await settle(10_000);
  }
  t.ok(after - before <= TOTAL * 1.2, `RSS grew ${mb(after - before)} MB once settled ${how} (before ${mb(before)} MB, peak ${mb(peak)} MB, after ${mb(after)} MB) ≤ ${mb(TOTAL * 1.2)} MB`);
});
