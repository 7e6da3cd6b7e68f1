/** Canonical `broadcast` (data only): every connection, subject to the rooms.broadcast policy. */
import t from 'tap';
import { server } from './support/helpers.js';

t.test('open mode: anyone may broadcast; every connection receives it', async (t) => {
  const srv = await server();
  t.teardown(() => srv.stop());
  const a = await srv.connect();
  const b = await srv.connect();
  await b.request({ type: 'subscribe', room: 'somewhere' });
  const c = await srv.connect();
  a.send({ type: 'broadcast', data: { alert: 'hi all' } });
  for (const x of [a, b, c]) {
    const m = await x.next('message');
    t.same(m.data, { alert: 'hi all' });
    t.equal(m.client_id, a.connected?.data.client_id);
    t.notOk('room' in m, 'no room on a broadcast');
    t.type(m.message_id, 'string');
  }
});

t.test('auth on: admins only by default', async (t) => {
  const srv = await server({ auth: true });
  t.teardown(() => srv.stop());
  const admin = await srv.as({ sub: 'root', role: 'admin' });
  const user = await srv.as({ sub: 'u1', role: 'client' });
  const denied = await user.request({ type: 'broadcast', data: 'x', id: 'b1' });
  t.same({ type: denied.type, code: denied.code, error: denied.error, id: denied.id }, { type: 'error', code: 'FORBIDDEN', error: 'not allowed to broadcast', id: 'b1' });
  t.ok(await admin.expectNone('message'));
  admin.send({ type: 'broadcast', data: 'maintenance' });
  const m = await user.next('message');
  t.equal(m.data, 'maintenance');
  t.equal(m.user_id, 'root');
});

t.test('broadcast option: authenticated / nobody', async (t) => {
  const srv = await server({ auth: true, rooms: { broadcast: 'authenticated' } });
  t.teardown(() => srv.stop());
  const user = await srv.as({ sub: 'u1' });
  user.send({ type: 'broadcast', data: 1 });
  t.equal((await user.next('message')).data, 1);

  const none = await server({ rooms: { broadcast: 'nobody' } });
  t.teardown(() => none.stop());
  const c = await none.connect();
  t.equal((await c.request({ type: 'broadcast', data: 1 })).code, 'FORBIDDEN');
});
