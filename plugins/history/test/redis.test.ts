/**
 * Redis Streams storage on a real Redis (REDIS_URL), two instances: one history for both,
 * recovery after a reconnect with nothing lost or doubled at the seam, what is no longer
 * covered, a new epoch when the room's keys are gone, authorization of history reads, Redis away.
 */
import t from 'tap';
import { Redis } from 'ioredis';
import { REDIS_URL, healthy, instance, jwt, messagesOf, oneInstance, publishN, received, services, twoInstances, uniquePrefix, until, user } from './support.js';

t.test('a client away while 50 messages were published on another instance gets exactly those, in order, then live ones', async (t) => {
  const { a, b } = await twoInstances(t);

  const bob = await user(b, 'bob');
  await bob.request({ type: 'subscribe', room: 'chat-1' });
  const alice = await user(a, 'alice');
  const sub = await alice.request({ type: 'subscribe', room: 'chat-1' });
  t.equal(sub.data.offset, 0);
  await publishN(bob, 'chat-1', 5);
  await received(alice, 'chat-1', 4);
  const first = messagesOf(alice, 'chat-1');
  t.same(first.map((f) => f.offset), [1, 2, 3, 4, 5], 'numbered by Redis, delivered across instances in order');
  t.ok(first.every((f) => f.epoch === sub.data.epoch));
  await received(bob, 'chat-1', 4);
  t.same(messagesOf(bob, 'chat-1').map((f) => f.offset), [1, 2, 3, 4, 5], 'the publishing instance delivers its own, once, in the same order');
  await alice.close();

  await publishN(bob, 'chat-1', 50, 5);
  await received(bob, 'chat-1', 54);
  const back = await user(a, 'alice');
  const again = await back.request({ type: 'subscribe', room: 'chat-1', since: { offset: 5, epoch: sub.data.epoch } });
  t.equal(again.data.recovered, true);
  t.equal(again.data.offset, 55);
  t.same(messagesOf(back, 'chat-1').map((f) => f.data.n), Array.from({ length: 50 }, (_, i) => 5 + i), 'exactly the 50 missed, in order');
  await publishN(bob, 'chat-1', 1, 55);
  await received(back, 'chat-1', 55);
  t.same(messagesOf(back, 'chat-1').map((f) => f.offset), Array.from({ length: 51 }, (_, i) => 6 + i), 'then live, no gap, no duplicate');

  // A page of it from the other instance: one history.
  const page = await bob.request({ type: 'history', room: 'chat-1', reverse: true, limit: 2 });
  t.same(page.data.messages.map((m: any) => m.offset), [56, 55]);
});

t.test('recovering while messages keep coming: the seam has no gap and no duplicate', async (t) => {
  const { a, b } = await twoInstances(t);
  const bob = await user(b, 'bob');
  await bob.request({ type: 'subscribe', room: 'seam-1' });
  const local = await user(a, 'carol');
  await local.request({ type: 'subscribe', room: 'seam-1' });
  await publishN(bob, 'seam-1', 10);
  await received(local, 'seam-1', 9);
  const epoch = messagesOf(local, 'seam-1')[0]!.epoch;

  // Ten reconnects from offset 10 while bob publishes without pause (from both instances' sessions).
  let n = 10;
  let publishing = true;
  const pump = (async () => {
    while (publishing) {
      bob.send({ type: 'publish', room: 'seam-1', data: { n: n++ } });
      local.send({ type: 'publish', room: 'seam-1', data: { n: n++ } });
      await new Promise((r) => setImmediate(r));
    }
  })();
  const clients = [];
  for (let i = 0; i < 10; i++) {
    const c = await user(a, `r${i}`);
    const s = await c.request({ type: 'subscribe', room: 'seam-1', since: { offset: 10, epoch } });
    t.equal(s.data.recovered, true, `reconnect ${i} recovered`);
    clients.push(c);
  }
  publishing = false;
  await pump;
  // Both publishers' last frames handled (their appends sent to Redis), then one last message:
  // its offset is the last one (reading the history here raced the other instance's last append).
  await Promise.all([bob.request({ type: 'ping' }), local.request({ type: 'ping' })]);
  bob.send({ type: 'publish', room: 'seam-1', data: { end: true } });
  await until(async () => messagesOf(bob, 'seam-1').some((f) => f.data?.end === true), 5000, 'the last message delivered');
  const total = messagesOf(bob, 'seam-1').find((f) => f.data?.end === true)!.offset;
  t.ok(total > 30, `messages kept coming during the reconnects (${total})`);
  for (const [i, c] of clients.entries()) {
    await until(async () => messagesOf(c, 'seam-1').some((f) => f.data?.end === true), 5000, `client ${i} reached the last message (${total})`);
    const offsets = messagesOf(c, 'seam-1').map((f) => f.offset);
    t.same(offsets, Array.from({ length: total - 10 }, (_, k) => 11 + k), `client ${i}: every offset from 11 to ${total} exactly once`);
  }
});

t.test('not covered any more: trimmed → recovered false; keys gone → a new epoch', async (t) => {
  const { a, keyPrefix } = await oneInstance(t);
  const bob = await user(a, 'bob');
  await bob.request({ type: 'subscribe', room: 'small-1' });
  await publishN(bob, 'small-1', 300);
  await received(bob, 'small-1', 299);
  const epoch = messagesOf(bob, 'small-1')[0]!.epoch;

  const late = await user(a, 'late');
  const r = await late.request({ type: 'subscribe', room: 'small-1', since: { offset: 200, epoch } });
  t.equal(r.data.recovered, false, 'size 20: offset 201 is long gone');
  t.equal(r.data.offset, 300);
  t.equal(messagesOf(late, 'small-1').length, 0);
  const covered = await user(a, 'covered');
  const c = await covered.request({ type: 'subscribe', room: 'small-1', since: { offset: 280, epoch } });
  t.equal(c.data.recovered, true, 'the newest 20 are covered (the stream trims approximately; the size is exact)');
  t.same(messagesOf(covered, 'small-1').map((f) => f.offset), Array.from({ length: 20 }, (_, i) => 281 + i));
  const edge = await user(a, 'edge');
  t.equal((await edge.request({ type: 'subscribe', room: 'small-1', since: { offset: 279, epoch } })).data.recovered, false, 'offset 280 is beyond the size even if Redis still holds it');

  const redis = new Redis(REDIS_URL);
  t.teardown(() => redis.disconnect());
  const keys = await redis.keys(`${keyPrefix}history:{small-1}*`);
  t.same(keys.sort(), [`${keyPrefix}history:{small-1}:m`, `${keyPrefix}history:{small-1}:s`], 'one stream and one meta hash, hash-tagged by room');
  t.ok(Number(await redis.xlen(`${keyPrefix}history:{small-1}:s`)) < 300, 'the stream is trimmed');
  await redis.del(...keys);
  const after = await user(a, 'after');
  const s = await after.request({ type: 'subscribe', room: 'small-1', since: { offset: 300, epoch } });
  t.equal(s.data.recovered, false, 'the stream was deleted: the old position means nothing');
  t.not(s.data.epoch, epoch, 'a new epoch');
  t.equal(s.data.offset, 0);
  await publishN(bob, 'small-1', 1, 1000);
  await received(after, 'small-1', 1000);
  const m = messagesOf(after, 'small-1')[0]!;
  t.same([m.offset, m.epoch], [1, s.data.epoch], 'numbering starts again in the new epoch');

  // Only the stream lost (deleted or evicted), the meta still there: the history is gone all the same.
  await redis.del(`${keyPrefix}history:{small-1}:s`);
  const again = await user(a, 'again');
  const s2 = await again.request({ type: 'subscribe', room: 'small-1', since: { offset: 0, epoch: s.data.epoch } });
  t.equal(s2.data.recovered, false, 'offset 1 is gone with the stream');
  t.not(s2.data.epoch, s.data.epoch, 'a stream lost under its meta is a new epoch too');
  t.equal(s2.data.offset, 0);
});

t.test('history reads are authorized like subscribes', async (t) => {
  const { a } = await oneInstance(t);
  const owner = await user(a, '7');
  await owner.request({ type: 'subscribe', room: 'order-7' });
  await publishN(owner, 'order-7', 3);
  await received(owner, 'order-7', 2);
  const epoch = messagesOf(owner, 'order-7')[0]!.epoch;

  const mallory = await user(a, '8');
  const page = await mallory.request({ type: 'history', room: 'order-7' });
  t.equal(page.type, 'error');
  t.equal(page.code, 'FORBIDDEN', 'not the owner of order 7');
  const sub = await mallory.request({ type: 'subscribe', room: 'order-7', since: { offset: 0, epoch } });
  t.equal(sub.code, 'FORBIDDEN', 'nor may recover it');
  t.equal(messagesOf(mallory, 'order-7').length, 0, 'nothing of it was sent');

  const own = await owner.request({ type: 'history', room: 'order-7' });
  t.same(own.data.messages.map((m: any) => m.data.n), [0, 1, 2]);
  const admin = await user(a, 'root', 'admin');
  t.equal((await admin.request({ type: 'history', room: 'order-7' })).data.messages.length, 3, 'admins may');
  const anon = await a.connect('/ws');
  const refused = await anon.request({ type: 'history', room: 'chat-1' });
  t.equal(refused.code, 'UNAUTHORIZED', 'before authentication');
});

t.test('the age limit trims the stream in Redis and is checked on reads', async (t) => {
  const { a, keyPrefix } = await oneInstance(t, { rooms: [{ pattern: 'aged-*', size: 1000, ttl: 1000 }] });
  const c = await user(a, 'c');
  await c.request({ type: 'subscribe', room: 'aged-1' });
  await publishN(c, 'aged-1', 150);
  await received(c, 'aged-1', 149);
  const epoch = messagesOf(c, 'aged-1')[0]!.epoch;
  // Real time here: Redis has the clock. Past the limit, nothing of the first 150 is recoverable.
  await new Promise((r) => setTimeout(r, 1200));
  const late = await user(a, 'late');
  t.equal((await late.request({ type: 'subscribe', room: 'aged-1', since: { offset: 100, epoch } })).data.recovered, false, 'too old to recover');
  await publishN(c, 'aged-1', 1, 150);
  await received(c, 'aged-1', 150);
  const redis = new Redis(REDIS_URL);
  t.teardown(() => redis.disconnect());
  const left = await redis.xrange(`${keyPrefix}history:{aged-1}:s`, '-', '+');
  t.same(left.map(([id]) => id), ['151-0'], 'the publish trimmed every expired entry (MINID, in batches)');
  const page = await c.request({ type: 'history', room: 'aged-1' });
  t.same(page.data.messages.map((m: any) => m.offset), [151]);
  t.equal(page.data.epoch, epoch, 'trimming by age is not a new epoch');
});

t.test('Redis away: history rooms refuse publishes with UNAVAILABLE; other rooms go on locally; back when Redis is', async (t) => {
  const { startRedisServer } = await services();
  const redisSrv = await startRedisServer();
  t.teardown(() => redisSrv.stop());
  const a = await instance({ url: redisSrv.url, keyPrefix: uniquePrefix() });
  t.teardown(() => a.stop());
  await healthy(a);
  const c = await user(a, 'c');
  await c.request({ type: 'subscribe', room: 'chat-x' });
  await c.request({ type: 'subscribe', room: 'lobby' });
  await redisSrv.kill();
  await until(async () => {
    const body = (await fetch(`${a.httpBase}/health`, { headers: { connection: 'close' } }).then((r) => r.json())) as any;
    return body.components.history.status === 'degraded';
  }, 10_000, 'history degraded');
  const refused = await c.request({ type: 'publish', room: 'chat-x', data: 'lost?' });
  t.equal(refused.code, 'UNAVAILABLE', 'the publisher learns it was not published');
  t.match(refused.error, /history is unavailable/);
  const notify = await fetch(`${a.httpBase}/api/notify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await jwt({ sub: 'svc', role: 'service' })}`, 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({ room: 'chat-x', event: 'e', data: 1 }),
  });
  t.equal(notify.status, 503, 'the notify API answers 503');
  t.equal(((await notify.json()) as { code: string }).code, 'UNAVAILABLE');
  const sub = await c.request({ type: 'subscribe', room: 'chat-y' });
  t.equal(sub.code, 'UNAVAILABLE', 'joining a history room needs its history');
  c.send({ type: 'publish', room: 'lobby', data: 'still here' });
  t.equal((await c.next((f) => f.type === 'message' && f.room === 'lobby')).data, 'still here', 'rooms without history are not affected');
  await redisSrv.restart();
  await healthy(a);
  let k = 0;
  await until(async () => {
    const id = `again-${k++}`;
    c.send({ type: 'publish', room: 'chat-x', id, data: id });
    const r = await c.next((f) => f.id === id || (f.type === 'message' && f.data === id), 3000);
    return r.type === 'message';
  }, 10_000, 'publishes accepted again');
  const m = messagesOf(c, 'chat-x')[0]!;
  t.equal(m.offset, 1, 'numbered from 1: the restarted Redis had no history (a new epoch)');
  t.equal(messagesOf(c, 'chat-x').length, 1, 'the refused publish was never delivered');
});
