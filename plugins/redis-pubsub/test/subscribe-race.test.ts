/**
 * A burst of subscribes on one connection while each one awaits Redis (a per-room cap makes the
 * rooms plugin ask cluster presence): the per-connection limit still holds exactly.
 */
import t from 'tap';
import { REDIS_URL, instance, uniquePrefix, user } from './support.js';

t.test('199 subscribes in a burst against a limit of 100, with Redis presence awaited in between', async (t) => {
  for (let round = 0; round < 3; round++) {
    const srv = await instance({ url: REDIS_URL, keyPrefix: uniquePrefix() }, { rooms: { maxConnectionsPerRoom: 5 } });
    const c = await user(srv, `u${round}`);
    for (let i = 0; i < 199; i++) c.send({ type: 'subscribe', room: `room-${i}`, id: `s${i}` });
    const replies = await Promise.all(Array.from({ length: 199 }, (_, i) => c.next((f) => f.id === `s${i}`, 15_000)));
    const joined = replies.filter((f) => f.type === 'subscribed').length;
    const refused = replies.filter((f) => f.code === 'TOO_MANY_SUBSCRIPTIONS').length;
    t.equal(joined, 100, `round ${round}: exactly 100 joined`);
    t.equal(refused, 99, `round ${round}: the other 99 refused`);
    const p = await c.request({ type: 'subscribe', room: 'one-more' });
    t.equal(p.code, 'TOO_MANY_SUBSCRIPTIONS', 'still full afterwards');
    await srv.stop();
  }
});

t.test('the rooms plugin\'s own per-connection limit holds under the same burst', async (t) => {
  const srv = await instance({ url: REDIS_URL, keyPrefix: uniquePrefix() }, { rooms: { maxConnectionsPerRoom: 5, maxRoomsPerConnection: 10 } });
  t.teardown(() => srv.stop());
  const c = await user(srv, 'v');
  for (let i = 0; i < 30; i++) c.send({ type: 'subscribe', room: `room-${i}`, id: `s${i}` });
  const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => c.next((f) => f.id === `s${i}`, 15_000)));
  t.equal(replies.filter((f) => f.type === 'subscribed').length, 10, 'exactly 10 joined');
  t.equal(replies.filter((f) => f.code === 'TOO_MANY_SUBSCRIPTIONS').length, 20);
});
