/** Redis Cluster mode: sharded pub/sub (SPUBLISH/SSUBSCRIBE) across a local 3-master cluster. */
import t from 'tap';
import { http, instance, jwt, services, uniquePrefix, until, user } from './support.js';

t.test('two instances on a Redis Cluster: room and user delivery exactly once, cluster-wide counts', async (t) => {
  const { startRedisCluster } = await services();
  const cluster = await startRedisCluster({ masters: 3 });
  t.teardown(() => cluster.stop());
  const clusterNodes = cluster.nodes.map((n) => `${n.host}:${n.port}`);
  const keyPrefix = uniquePrefix();
  const a = await instance({ clusterNodes, keyPrefix });
  const b = await instance({ clusterNodes, keyPrefix });
  t.teardown(async () => { await a.stop(); await b.stop(); });
  await until(async () => (await http(a.httpBase, 'GET', '/health')).body.components.redis.status === 'up', 10_000, 'A connected to the cluster');
  await until(async () => (await http(b.httpBase, 'GET', '/health')).body.components.redis.status === 'up', 10_000, 'B connected to the cluster');

  const onA = await user(a, 'alice');
  const onB = await user(b, 'bob');
  // Several rooms, so channels land on different shards.
  const rooms = ['r-alpha', 'r-beta', 'r-gamma', 'r-delta'];
  for (const room of rooms) {
    await onA.request({ type: 'subscribe', room });
    await onB.request({ type: 'subscribe', room });
  }
  for (const room of rooms) {
    await until(async () => {
      onA.send({ type: 'publish', room, data: `probe ${room}` });
      return onB.next((f) => f.type === 'message' && f.data === `probe ${room}`, 300).then(() => true, () => false);
    }, 8000, `sharded subscription for ${room}`);
  }
  onA.frames.length = 0;
  onB.frames.length = 0;
  for (const room of rooms) onA.send({ type: 'publish', room, data: `hello ${room}` });
  for (const room of rooms) t.equal((await onB.next((f) => f.data === `hello ${room}`)).room, room, `${room} delivered across instances`);
  t.ok(await onB.expectNone((f) => typeof f.data === 'string' && f.data.startsWith('hello'), 300), 'exactly once');
  t.equal(onA.frames.filter((f) => typeof f.data === 'string' && f.data.startsWith('hello')).length, rooms.length, 'A got its own publishes once (no echo)');

  await until(async () => (await onA.request({ type: 'presence', room: 'r-alpha' })).data.client_count === 2, 5000, 'cluster-wide presence');
  const notify = await http(a.httpBase, 'POST', '/api/notify', { token: await jwt({ sub: 'svc', role: 'service' }), body: { event: 'e', data: 1, user_id: 'bob' } });
  t.equal(notify.status, 202);
  t.equal((await onB.next('notification', 5000)).event, 'e', 'user notification through a sharded channel');
});
