/** Cluster presence with names from clients that collide with Object.prototype: plain names, numeric counts. */
import t from 'tap';
import { REDIS_URL, http, instance, jwt, uniquePrefix, until, user } from './support.js';

const NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__'];

t.test('prototype-named rooms and a user called constructor across two instances', async (t) => {
  const keyPrefix = uniquePrefix();
  const a = await instance({ url: REDIS_URL, keyPrefix });
  const b = await instance({ url: REDIS_URL, keyPrefix });
  t.teardown(async () => { await a.stop(); await b.stop(); });
  const onA = await user(a, 'constructor');
  const onB = await user(b, '__proto__');
  for (const room of NAMES) {
    await onA.request({ type: 'subscribe', room });
    await onB.request({ type: 'subscribe', room });
  }
  const adminToken = await jwt({ sub: 'ops', role: 'admin' });
  await until(async () => {
    const r = await http(a.httpBase, 'GET', '/admin/clients', { token: adminToken });
    return NAMES.every((n) => r.body.rooms?.[n] === 2);
  }, 5000, 'both instances\' members counted');
  const admin = await http(a.httpBase, 'GET', '/admin/clients', { token: adminToken });
  for (const room of NAMES) t.equal(admin.body.rooms[room], 2, `${room}: 2, a number`);
  t.equal(Object.keys(admin.body.rooms).length, NAMES.length);
  for (const room of NAMES) {
    const p = await onA.request({ type: 'presence', room });
    t.equal(p.data.client_count, 2);
    t.same(p.data.members.map((m: { user_id: string; connections: number }) => [m.user_id, m.connections]).sort(), [['__proto__', 1], ['constructor', 1]], `${room}: members from both instances, numeric connections`);
  }
});
