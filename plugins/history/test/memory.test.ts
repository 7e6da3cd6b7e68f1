/** Memory storage, one instance: offsets and epoch on every message, recovery at subscribe, `history` paging, limits. */
import t from 'tap';
import { ManualClock } from '@actorwire/core';
import { startTestServer, type TestClient, type TestServer } from '@actorwire/testing';
import rooms from '@actorwire/plugin-rooms';
import dialects from '@actorwire/plugin-dialects';
import history, { type HistoryOptions } from '../src/index.js';

async function server(t: { teardown(fn: () => unknown): void }, opts: Partial<HistoryOptions> = {}, clock?: ManualClock, maxBackpressure?: number, maxTopics?: number): Promise<TestServer> {
  const srv = await startTestServer({
    ...(clock ? { clock } : {}),
    config: { ...(maxBackpressure ? { websocket: { maxBackpressure } } : {}), ...(maxTopics ? { history: { maxTopics } } : {}) },
    plugins: [[rooms, {}], [history, { rooms: [{ pattern: 'chat-*', size: 100 }, { pattern: 'small-*', size: 20 }], ...opts }]],
  });
  t.teardown(() => srv.stop());
  return srv;
}

const messagesOf = (c: TestClient, room: string) => c.history.filter((f) => f.type === 'message' && f.room === room);

async function publishN(c: TestClient, room: string, n: number, from = 0): Promise<void> {
  for (let i = 0; i < n; i++) c.send({ type: 'publish', room, data: { n: from + i } });
  // A request after them: its reply comes once every publish before it was handled.
  await c.request({ type: 'ping' });
}

t.test('messages carry offset and epoch; a reconnecting client gets exactly what it missed, then live ones', async (t) => {
  const srv = await server(t);
  const bob = await srv.connect();
  await bob.request({ type: 'subscribe', room: 'chat-1' });
  const alice = await srv.connect();
  const sub = await alice.request({ type: 'subscribe', room: 'chat-1' });
  t.equal(sub.type, 'subscribed');
  t.equal(sub.data.offset, 0, 'nothing published yet');
  t.match(sub.data.epoch, /^[0-9a-f]{12}$/);
  t.notOk('recovered' in sub.data, 'no position given: nothing to say about recovery');

  await publishN(bob, 'chat-1', 5);
  await alice.next((f) => f.type === 'message' && f.data.n === 4);
  const seen = messagesOf(alice, 'chat-1');
  t.same(seen.map((f) => f.offset), [1, 2, 3, 4, 5], 'consecutive offsets from 1');
  t.ok(seen.every((f) => f.epoch === sub.data.epoch), 'the room\'s epoch on each');
  await alice.close();

  await publishN(bob, 'chat-1', 50, 5);
  const back = await srv.connect();
  const again = await back.request({ type: 'subscribe', room: 'chat-1', since: { offset: 5, epoch: sub.data.epoch } });
  t.equal(again.data.recovered, true);
  t.equal(again.data.offset, 55, 'the position after the recovered messages');
  const missed = messagesOf(back, 'chat-1');
  t.same(missed.map((f) => f.offset), Array.from({ length: 50 }, (_, i) => 6 + i), 'exactly the 50 missed, in order');
  t.same(missed.map((f) => f.data.n), Array.from({ length: 50 }, (_, i) => 5 + i));
  t.ok(back.history.indexOf(missed[49]!) < back.history.indexOf(again), 'missed messages come before the subscribed answer');

  await publishN(bob, 'chat-1', 1, 55);
  const live = await back.next((f) => f.type === 'message' && f.data.n === 55);
  t.equal(live.offset, 56, 'then live ones, no gap');
  t.equal(messagesOf(back, 'chat-1').length, 51, 'and no duplicate');
});

t.test('what the history no longer covers: recovered false and nothing resent', async (t) => {
  const srv = await server(t);
  const bob = await srv.connect();
  await bob.request({ type: 'subscribe', room: 'small-1' });
  await publishN(bob, 'small-1', 30);
  const epoch = (await bob.request({ type: 'history', room: 'small-1', limit: 1 })).data.epoch;

  const late = await srv.connect();
  const beyond = await late.request({ type: 'subscribe', room: 'small-1', since: { offset: 2, epoch } });
  t.equal(beyond.data.recovered, false, 'offsets 3..10 were trimmed (size 20)');
  t.equal(beyond.data.offset, 30);
  t.equal(messagesOf(late, 'small-1').length, 0, 'nothing resent');

  const edge = await srv.connect();
  const covered = await edge.request({ type: 'subscribe', room: 'small-1', since: { offset: 10, epoch } });
  t.equal(covered.data.recovered, true, 'offset 11 is the oldest kept: covered');
  t.same(messagesOf(edge, 'small-1').map((f) => f.offset), Array.from({ length: 20 }, (_, i) => 11 + i));

  const other = await srv.connect();
  const wrong = await other.request({ type: 'subscribe', room: 'small-1', since: { offset: 29, epoch: 'another1' } });
  t.equal(wrong.data.recovered, false, 'another epoch');
  t.equal(wrong.data.epoch, epoch);

  const ahead = await srv.connect();
  t.equal((await ahead.request({ type: 'subscribe', room: 'small-1', since: { offset: 31, epoch } })).data.recovered, false, 'a position ahead of the room');

  const plain = await srv.connect();
  const noHistory = await plain.request({ type: 'subscribe', room: 'lobby', since: { offset: 3, epoch } });
  t.equal(noHistory.data.recovered, false, 'a room without history cannot recover');
  t.notOk('epoch' in noHistory.data);
  const fresh = await plain.request({ type: 'subscribe', room: 'lobby2' });
  t.same(Object.keys(fresh.data).sort(), ['client_count', 'room'], 'rooms without history answer as before');
});

t.test('a restart is a new epoch', async (t) => {
  const first = await server(t);
  const a = await first.connect();
  await a.request({ type: 'subscribe', room: 'chat-r' });
  await publishN(a, 'chat-r', 3);
  const before = (await a.request({ type: 'history', room: 'chat-r', limit: 1 })).data;
  await first.stop();
  const second = await server(t);
  const b = await second.connect();
  const sub = await b.request({ type: 'subscribe', room: 'chat-r', since: { offset: before.offset, epoch: before.epoch } });
  t.equal(sub.data.recovered, false);
  t.not(sub.data.epoch, before.epoch);
  t.equal(sub.data.offset, 0);
});

t.test('history: pages forward from a position, newest first, limits, errors', async (t) => {
  const srv = await server(t, { pageLimit: 10 });
  const c = await srv.connect();
  await c.request({ type: 'subscribe', room: 'chat-h' });
  await publishN(c, 'chat-h', 25);
  const all = await c.request({ type: 'history', room: 'chat-h' });
  t.equal(all.data.complete, true);
  t.equal(all.data.offset, 25);
  t.same(all.data.messages.map((m: any) => m.offset), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'oldest first, capped at pageLimit');
  t.same(all.data.messages[0].data, { n: 0 }, 'messages as subscribers received them');
  const next = await c.request({ type: 'history', room: 'chat-h', since: { offset: 10, epoch: all.data.epoch }, limit: 4 });
  t.same(next.data.messages.map((m: any) => m.offset), [11, 12, 13, 14]);
  const newest = await c.request({ type: 'history', room: 'chat-h', reverse: true, limit: 3 });
  t.same(newest.data.messages.map((m: any) => m.offset), [25, 24, 23]);
  const stale = await c.request({ type: 'history', room: 'chat-h', since: { offset: 3, epoch: 'nope' } });
  t.equal(stale.data.complete, false);
  t.same(stale.data.messages, []);

  const none = await c.request({ type: 'history', room: 'lobby' });
  t.equal(none.type, 'error');
  t.equal(none.code, 'INVALID_MESSAGE');
  t.match(none.error, /room "lobby" keeps no history/);
  const bad = await c.request({ type: 'history', room: 'chat-h', since: { offset: -1, epoch: 'x' } });
  t.equal(bad.code, 'INVALID_MESSAGE', 'a negative offset');
  const badSub = await c.request({ type: 'subscribe', room: 'chat-x', since: { offset: 'a', epoch: 'x' } });
  t.equal(badSub.code, 'INVALID_MESSAGE', 'a malformed position is refused');
  t.equal(c.history.filter((f) => f.type === 'subscribed' && f.room === 'chat-x').length, 0);
});

t.test('messages older than the age limit are not recovered (simulated clock)', async (t) => {
  const clock = new ManualClock();
  const srv = await server(t, { rooms: [{ pattern: 'aged-*', size: 100, ttl: 5000 }] }, clock);
  const c = await srv.connect();
  await c.request({ type: 'subscribe', room: 'aged-1' });
  await publishN(c, 'aged-1', 3);
  const epoch = (await c.request({ type: 'history', room: 'aged-1', limit: 1 })).data.epoch;
  clock.advance(3000);
  await publishN(c, 'aged-1', 2, 3);
  clock.advance(2500);
  // Offsets 1..3 are 5.5 s old now, 4..5 2.5 s.
  const r1 = await srv.connect();
  t.equal((await r1.request({ type: 'subscribe', room: 'aged-1', since: { offset: 0, epoch } })).data.recovered, false, 'the oldest missed one expired');
  const r2 = await srv.connect();
  const ok = await r2.request({ type: 'subscribe', room: 'aged-1', since: { offset: 3, epoch } });
  t.equal(ok.data.recovered, true);
  t.same(messagesOf(r2, 'aged-1').map((f) => f.data.n), [3, 4]);
  const page = await c.request({ type: 'history', room: 'aged-1' });
  t.same(page.data.messages.map((m: any) => m.offset), [4, 5], 'history shows only what is young enough');
});

t.test('memory storage keeps at most HISTORY_MAX_ROOMS rooms; a forgotten room starts a new epoch', async (t) => {
  const srv = await server(t, {}, undefined, undefined, 2);
  const c = await srv.connect();
  for (const room of ['chat-a', 'chat-b', 'chat-c']) {
    await c.request({ type: 'subscribe', room });
    await publishN(c, room, 1);
  }
  const health = await fetch(`${srv.httpBase}/health`).then((r) => r.json() as Promise<any>);
  t.equal(health.components.history.rooms, 2);
  const page = await c.request({ type: 'history', room: 'chat-a' });
  t.equal(page.data.offset, 0, 'chat-a was forgotten: a new, empty log');
});

t.test('a recovery larger than half the send buffer limit is refused whole: recovered false, nothing sent', async (t) => {
  const srv = await server(t, {}, undefined, 64 * 1024);
  const bob = await srv.connect();
  await bob.request({ type: 'subscribe', room: 'chat-big' });
  const big = 'x'.repeat(1000);
  for (let i = 0; i < 40; i++) bob.send({ type: 'publish', room: 'chat-big', data: big });
  await bob.request({ type: 'ping' });
  const epoch = (await bob.request({ type: 'history', room: 'chat-big', limit: 1 })).data.epoch;
  const small = await srv.connect();
  t.equal((await small.request({ type: 'subscribe', room: 'chat-big', since: { offset: 20, epoch } })).data.recovered, true, '20 KB of 32 KB allowed');
  t.equal(messagesOf(small, 'chat-big').length, 20);
  const large = await srv.connect();
  t.equal((await large.request({ type: 'subscribe', room: 'chat-big', since: { offset: 0, epoch } })).data.recovered, false, '40 KB would not fit');
  t.equal(messagesOf(large, 'chat-big').length, 0);
  const page = await large.request({ type: 'history', room: 'chat-big', limit: 100 });
  t.ok(page.data.messages.length >= 25 && page.data.messages.length <= 32, `a history page stops at the budget (${page.data.messages.length} of 40 messages)`);
  const rest = await large.request({ type: 'history', room: 'chat-big', since: { offset: page.data.messages.at(-1).offset, epoch } });
  t.equal(page.data.messages.length + rest.data.messages.length, 40, 'the next page has the rest');
});

t.test('`*` is every room, never a user channel or the broadcast topic', async (t) => {
  const srv = await server(t, { rooms: [{ pattern: '*', size: 10 }] });
  const c = await srv.connect();
  const sub = await c.request({ type: 'subscribe', room: 'anything' });
  t.type(sub.data.epoch, 'string');
  c.send({ type: 'publish', room: 'anything', data: 1 });
  t.equal((await c.next('message')).offset, 1);
  c.send({ type: 'broadcast', data: 'all' });
  const b = await c.next((f) => f.type === 'message' && f.data === 'all');
  t.equal(b.offset, undefined, 'broadcasts are not numbered');
  // Another user's channel: refused as subscribe refuses it (own channels keep no history: authorization.test.ts).
  const hist = await c.request({ type: 'history', room: 'user:42' });
  t.equal(hist.code, 'FORBIDDEN', 'another user\'s channel is not readable');
});

t.test('compact dialect clients get offset and epoch too, and recover like others', async (t) => {
  const srv = await startTestServer({ plugins: [[rooms, {}], dialects, [history, { rooms: [{ pattern: 'chat-*', size: 100 }] }]] });
  t.teardown(() => srv.stop());
  const bob = await srv.connect();
  await bob.request({ type: 'subscribe', room: 'chat-c' });
  const light = await srv.connect('/ws?dialect=compact');
  const sub = await light.request({ type: 'subscribe', room: 'chat-c' });
  bob.send({ type: 'publish', room: 'chat-c', data: 1 });
  const m = await light.next('message');
  t.same(Object.keys(m).sort(), ['data', 'epoch', 'offset', 'room', 'timestamp', 'type'], 'compact, with the position');
  t.same([m.offset, m.epoch], [1, sub.data.epoch]);
  await light.close();
  await publishN(bob, 'chat-c', 3, 2);
  const back = await srv.connect('/ws?dialect=compact');
  const again = await back.request({ type: 'subscribe', room: 'chat-c', since: { offset: 1, epoch: sub.data.epoch } });
  t.equal(again.data.recovered, true);
  const missed = messagesOf(back, 'chat-c');
  t.same(missed.map((f) => [f.offset, f.data.n]), [[2, 2], [3, 3], [4, 4]]);
  t.notOk(missed.some((f) => 'client_id' in f), 'recovered messages in the compact form too');
});

t.test('invalid options stop startup with a clear error', async (t) => {
  await t.rejects(startTestServer({ plugins: [[rooms, {}], [history, { rooms: [{ pattern: 'a-*' }, { pattern: 'a-*' }] }]] }), /listed twice/);
  await t.rejects(startTestServer({ plugins: [[rooms, {}], [history, { storage: 'redis', rooms: [{ pattern: 'a-*' }] }]] }), /needs the redis-pubsub plugin/);
  await t.rejects(startTestServer({ plugins: [[rooms, {}], [history, { rooms: [{ pattern: 'a-{' }] }]] }), /pattern/);
});
