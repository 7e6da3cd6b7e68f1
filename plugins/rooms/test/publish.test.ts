/** Publishing: membership required, publish policies, unique message ids, one frame for everyone. */
import t from 'tap';
import { definePlugin } from '@actorwire/core';
import { server } from './support/helpers.js';

t.test('publish without a subscription, and after leaving', async (t) => {
  const srv = await server();
  t.teardown(() => srv.stop());
  const member = await srv.connect();
  const outsider = await srv.connect();
  await member.request({ type: 'subscribe', room: 'chat' });

  const err = await outsider.request({ type: 'publish', room: 'chat', data: 'let me in', id: 'p1' });
  t.same({ type: err.type, code: err.code, error: err.error, id: err.id }, { type: 'error', code: 'NOT_SUBSCRIBED', error: 'not subscribed to this room', id: 'p1' });
  t.ok(await member.expectNone('message'), 'nothing delivered');

  await outsider.request({ type: 'subscribe', room: 'chat' });
  await outsider.request({ type: 'unsubscribe', room: 'chat' });
  t.equal((await outsider.request({ type: 'publish', room: 'chat', data: 1 })).code, 'NOT_SUBSCRIBED');
  // A bad name is reported as such rather than as NOT_SUBSCRIBED.
  t.equal((await outsider.request({ type: 'publish', room: 'bad name', data: 1 })).code, 'INVALID_MESSAGE');
});

t.test('every subscriber gets the same bytes; message ids are unique; data defaults to null', async (t) => {
  const srv = await server();
  t.teardown(() => srv.stop());
  const clients = await Promise.all([1, 2, 3, 4].map(() => srv.connect()));
  for (const c of clients) await c.request({ type: 'subscribe', room: 'fan' });
  clients[0]!.send({ type: 'publish', room: 'fan', data: { n: 1 } });
  clients[0]!.send({ type: 'publish', room: 'fan' });
  const first = await Promise.all(clients.map((c) => c.next('message')));
  const second = await Promise.all(clients.map((c) => c.next('message')));
  for (const f of first) t.same(f, first[0]);
  t.equal(second[0]!.data, null);
  t.not(first[0]!.message_id, second[0]!.message_id);
});

t.test('publish option: admins only', async (t) => {
  const srv = await server({ auth: true, rooms: { publish: 'admins' } });
  t.teardown(() => srv.stop());
  const user = await srv.as({ sub: 'u' });
  const admin = await srv.as({ sub: 'a', role: 'admin' });
  await user.request({ type: 'subscribe', room: 'announcements' });
  await admin.request({ type: 'subscribe', room: 'announcements' });
  const err = await user.request({ type: 'publish', room: 'announcements', data: 1 });
  t.same({ code: err.code, error: err.error }, { code: 'FORBIDDEN', error: 'not allowed to publish to this room' });
  admin.send({ type: 'publish', room: 'announcements', data: 'news' });
  t.equal((await user.next('message')).data, 'news');
});

t.test('onPublish hooks of other plugins see and may veto room publishes', async (t) => {
  const moderation = definePlugin({
    name: 'moderation',
    version: '1.0.0',
    kernel: '^0.2.0',
    register(ctx) {
      ctx.hooks.on('onPublish', (_s, _topic, frame) => {
        if (frame.type === 'message' && frame.data === 'spam') return false;
        if (frame.type === 'message') return { ...frame, data: { text: frame.data, moderated: true } };
        return undefined;
      });
    },
  });
  const srv = await server({ plugins: [moderation] });
  t.teardown(() => srv.stop());
  const a = await srv.connect();
  await a.request({ type: 'subscribe', room: 'r' });
  const vetoed = await a.request({ type: 'publish', room: 'r', data: 'spam' });
  t.same({ code: vetoed.code, error: vetoed.error }, { code: 'FORBIDDEN', error: 'message refused' });
  a.send({ type: 'publish', room: 'r', data: 'hello' });
  t.same((await a.next('message')).data, { text: 'hello', moderated: true });
});
