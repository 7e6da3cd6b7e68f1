/**
 * Names that come from clients never index plain objects: rooms named after Object.prototype
 * members and a user called `constructor` are ordinary names in counts, presence and
 * /admin/clients (with the kernel's local presence; the redis-pubsub tests cover the cluster view).
 */
import t from 'tap';
import { http, server, token } from './support/helpers.js';

export const PROTOTYPE_NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', '__defineGetter__', 'isPrototypeOf'];

t.test('prototype-named rooms and users: counts are numbers, nothing is missing', async (t) => {
  const srv = await server({ auth: true });
  t.teardown(() => srv.stop());
  const a = await srv.as({ sub: 'constructor' });
  const b = await srv.as({ sub: '__proto__' });
  for (const room of PROTOTYPE_NAMES) {
    t.equal((await a.request({ type: 'subscribe', room })).data.client_count, 1, `${room}: first member`);
    t.equal((await b.request({ type: 'subscribe', room })).data.client_count, 2, `${room}: second member`);
    const p = await a.request({ type: 'presence', room });
    t.equal(p.data.client_count, 2, `${room}: presence count`);
    t.same(p.data.members.map((m: { user_id: string; connections: number }) => [m.user_id, m.connections]).sort(), [['__proto__', 1], ['constructor', 1]], `${room}: members`);
  }
  const admin = await http(srv, 'GET', '/admin/clients', { token: token({ sub: 'ops', role: 'admin' }) });
  t.equal(admin.status, 200);
  for (const room of PROTOTYPE_NAMES) {
    t.ok(Object.hasOwn(admin.body.rooms, room), `${room} is listed`);
    t.equal(admin.body.rooms[room], 2, `${room} counts 2 (a number)`);
  }
  t.equal(Object.keys(admin.body.rooms).length, PROTOTYPE_NAMES.length, 'and nothing else');
});
