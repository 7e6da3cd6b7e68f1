/** Redis Cluster (a throwaway 3-master cluster, not REDIS_URL): a room's stream, meta and channel share one hash slot; recovery across two instances on three shards. */
import t from 'tap';
import { Cluster } from 'ioredis';
import { healthy, instance, messagesOf, publishN, received, services, uniquePrefix, user } from './support.js';

t.test('history on a Redis Cluster: numbered, kept and recovered across instances, rooms on different shards', async (t) => {
  const { startRedisCluster } = await services();
  const cluster = await startRedisCluster({ masters: 3 });
  t.teardown(() => cluster.stop());
  const clusterNodes = cluster.nodes.map((n) => `${n.host}:${n.port}`);
  const keyPrefix = uniquePrefix();
  const a = await instance({ clusterNodes, keyPrefix });
  const b = await instance({ clusterNodes, keyPrefix });
  t.teardown(async () => { await a.stop(); await b.stop(); });
  await healthy(a);
  await healthy(b);

  const rooms = ['chat-alpha', 'chat-beta', 'chat-gamma', 'chat-delta'];
  const admin = new Cluster(cluster.nodes);
  t.teardown(() => admin.disconnect());
  const slots = new Set<number>();
  for (const room of rooms) slots.add(Number(await admin.cluster('KEYSLOT', `${keyPrefix}history:{${room}}:s`)));
  t.ok(slots.size > 1, `the rooms live on ${slots.size} different slots`);

  const bob = await user(b, 'bob');
  const alice = await user(a, 'alice');
  const epochs = new Map<string, string>();
  for (const room of rooms) {
    await bob.request({ type: 'subscribe', room });
    epochs.set(room, (await alice.request({ type: 'subscribe', room })).data.epoch);
  }
  for (const room of rooms) await publishN(bob, room, 3);
  for (const room of rooms) {
    await received(alice, room, 2, 8000);
    t.same(messagesOf(alice, room).map((f) => f.offset), [1, 2, 3], `${room}: numbered and delivered through sharded pub/sub`);
  }
  await alice.close();
  for (const room of rooms) await publishN(bob, room, 40, 3);
  for (const room of rooms) await received(bob, room, 42, 8000);

  const back = await user(a, 'alice');
  for (const room of rooms) {
    const s = await back.request({ type: 'subscribe', room, since: { offset: 3, epoch: epochs.get(room)! } });
    t.equal(s.data.recovered, true, `${room} recovered`);
    t.same(messagesOf(back, room).map((f) => f.data.n), Array.from({ length: 40 }, (_, i) => 3 + i), `${room}: the 40 missed, in order`);
  }
  for (const room of rooms) await publishN(bob, room, 1, 43);
  for (const room of rooms) {
    await received(back, room, 43, 8000);
    t.same(messagesOf(back, room).map((f) => f.offset), Array.from({ length: 41 }, (_, i) => 4 + i), `${room}: then live, once`);
  }
  const slotOf = async (k: string) => Number(await admin.cluster('KEYSLOT', k));
  t.equal(await slotOf(`${keyPrefix}history:{chat-alpha}:m`), await slotOf(`${keyPrefix}history:{chat-alpha}`), 'meta and channel in the stream\'s slot');
});
