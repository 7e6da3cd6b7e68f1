/**
 * Redis Sentinel (REDIS_SENTINELS / REDIS_SENTINEL_NAME): a master, a replica and three sentinels
 * started here (`redis-server --sentinel`, what Debian's redis-sentinel runs), two instances with
 * history rooms on them. The master is killed: the instances follow the new master (`/health`
 * degraded, then up) and delivery across instances resumes both ways. Every history room starts a
 * new epoch under the new master — replication is asynchronous, so the promoted replica may lack
 * what the old master acknowledged, and numbering on from its own last offset would hand a client
 * another message under an offset it already saw. A client coming back with a position from
 * before the failover is told `recovered: false` (it reloads), never given wrong data.
 */
import t from 'tap';
import type { TestServer } from '@actorwire/testing';
import { instance, messagesOf, publishN, received, services, uniquePrefix, until, user } from './support.js';

async function redisStatus(srv: TestServer): Promise<string | undefined> {
  const body = (await fetch(`${srv.httpBase}/health`, { headers: { connection: 'close' } }).then((r) => r.json())) as any;
  return body.components.redis?.status;
}

t.test('a Sentinel failover: instances follow the new master, delivery resumes, history rooms start a new epoch', async (t) => {
  const group = await (await services()).startSentinelGroup();
  t.teardown(() => group.stop());
  const redis = { sentinels: group.sentinels, sentinelName: group.name, keyPrefix: uniquePrefix() };
  const a = await instance(redis);
  const b = await instance(redis);
  t.teardown(async () => { await a.stop(); await b.stop(); });
  await until(async () => (await redisStatus(a)) === 'up' && (await redisStatus(b)) === 'up', 10_000, 'both on the master');
  const alice = await user(a, 'alice');
  const bob = await user(b, 'bob');
  const sub = await alice.request({ type: 'subscribe', room: 'chat-1' });
  await bob.request({ type: 'subscribe', room: 'chat-1' });
  const epoch = sub.data.epoch as string;
  await publishN(bob, 'chat-1', 3);
  await received(alice, 'chat-1', 2);

  await publishN(bob, 'chat-1', 3, 3);
  await received(alice, 'chat-1', 5);
  const seen = messagesOf(alice, 'chat-1').map((f) => f.offset as number);
  t.same(seen, [1, 2, 3, 4, 5, 6], 'six messages before the failover');
  await group.master.kill();

  await until(async () => (await redisStatus(a)) !== 'up', 10_000, 'instance a reports Redis down');
  t.pass('/health degraded while the master is gone');
  await until(async () => (await redisStatus(a)) === 'up' && (await redisStatus(b)) === 'up', 30_000, 'both follow the new master');
  t.equal(await group.masterPort(), group.replica.port, 'Sentinel promoted the replica');

  // Delivery across instances resumes (both ways).
  await until(async () => {
    await publishN(bob, 'chat-1', 1, 100);
    return messagesOf(alice, 'chat-1').some((f) => f.data?.n === 100);
  }, 15_000, 'b → a after the failover');
  t.pass('b → a after the failover');
  const ana = await user(b, 'ana');
  await ana.request({ type: 'subscribe', room: 'chat-1' });
  await publishN(alice, 'chat-1', 1, 200);
  await received(ana, 'chat-1', 200);
  t.pass('a → b after the failover');

  // Alice comes back with her position from before the failover: another master numbers this room now.
  const back = await user(a, 'alice');
  const again = await back.request({ type: 'subscribe', room: 'chat-1', since: { offset: 6, epoch } });
  t.equal(again.data.recovered, false, 'recovered: false — the new master may lack what the old one acknowledged');
  t.not(again.data.epoch, epoch, 'a new epoch');
  t.same(messagesOf(back, 'chat-1'), [], 'nothing resent as if it were what she missed');
  const after = messagesOf(alice, 'chat-1').filter((f) => f.data?.n === 200);
  t.equal(after[0]?.epoch, again.data.epoch, 'messages after the failover carry the new epoch');
});
