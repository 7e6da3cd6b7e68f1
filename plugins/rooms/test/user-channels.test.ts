/** User channels: every authenticated session is in user:{id}; sendToUser reaches all of its connections. */
import t from 'tap';
import type { SessionRegistry } from '@actorwire/core';
import { server } from './support/helpers.js';

t.test('sendToUser reaches both connections of a user, nobody else', async (t) => {
  const srv = await server({ auth: true });
  t.teardown(() => srv.stop());
  const tab1 = await srv.as({ sub: 'alice' });
  const tab2 = await srv.as({ sub: 'alice' });
  const bob = await srv.as({ sub: 'bob' });
  const sessions = srv.kernel.services.get('sessions');
  t.equal(sessions.ofUser('alice').size, 2);

  sessions.sendToUser('alice', { type: 'notification', event: 'ping', data: { n: 1 } });
  for (const c of [tab1, tab2]) t.same((await c.next('notification')).data, { n: 1 });
  t.ok(await bob.expectNone('notification'));
});

t.test('subscribing to the own channel is a no-op; leaving it is refused', async (t) => {
  const srv = await server({ auth: true });
  t.teardown(() => srv.stop());
  const a = await srv.as({ sub: '7' });
  const a2 = await srv.as({ sub: '7' });
  const s = await a.request({ type: 'subscribe', room: 'user:7' });
  t.same({ type: s.type, room: s.room, data: s.data }, { type: 'subscribed', room: 'user:7', data: { room: 'user:7', client_count: 2 } });
  const leave = await a.request({ type: 'unsubscribe', room: 'user:7' });
  t.equal(leave.code, 'FORBIDDEN');
  t.equal(leave.error, 'your user channel cannot be left');
  // Still delivered exactly once (no double membership).
  srv.kernel.services.get('sessions').sendToUser('7', { type: 'notification', event: 'e', data: null });
  await a.next('notification');
  await a2.next('notification');
  t.ok(await a.expectNone('notification'), 'no duplicate');
  t.equal(srv.kernel.services.get('topics').localTopics().size, 0, 'not a room');
});

t.test("another user's channel: forbidden, except to admins (who then receive it)", async (t) => {
  const srv = await server({ auth: true });
  t.teardown(() => srv.stop());
  const a = await srv.as({ sub: '1' });
  const b = await srv.as({ sub: '2' });
  const admin = await srv.as({ sub: '99', role: 'admin' });
  const denied = await b.request({ type: 'subscribe', room: 'user:1' });
  t.same({ code: denied.code, error: denied.error }, { code: 'FORBIDDEN', error: "not allowed to join another user's channel" });
  t.equal((await admin.request({ type: 'subscribe', room: 'user:1' })).type, 'subscribed');
  srv.kernel.services.get('sessions').sendToUser('1', { type: 'notification', event: 'e', data: 1 });
  await a.next('notification');
  await admin.next('notification');
  t.ok(await b.expectNone('notification'));
  // Only admins may publish into a user channel.
  admin.send({ type: 'publish', room: 'user:1', data: 'from admin' });
  t.equal((await a.next('message')).data, 'from admin');
  t.equal((await admin.next('message')).data, 'from admin');
});
