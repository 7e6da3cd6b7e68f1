/** The canonical protocol's "Test Pub/Sub" walkthrough, verbatim, and the frame shapes of docs/protocol.md. */
import t from 'tap';
import { server } from './support/helpers.js';

t.test('canonical protocol walkthrough: client 2 publishes, client 1 receives', async (t) => {
  const srv = await server();
  t.teardown(() => srv.stop());

  // Terminal 1
  const c1 = await srv.connect('/ws');
  t.equal(c1.connected?.data.message, 'Connected to WebSocket server');
  c1.send({ type: 'subscribe', room: 'chat' });
  const s1 = await c1.next('subscribed');
  t.same(s1.data, { room: 'chat', client_count: 1 });
  t.equal(s1.room, 'chat');
  t.type(s1.timestamp, 'number');

  // Terminal 2
  const c2 = await srv.connect('/ws');
  c2.send({ type: 'subscribe', room: 'chat' });
  const s2 = await c2.next('subscribed');
  t.same(s2.data, { room: 'chat', client_count: 2 });
  c2.send({ type: 'publish', room: 'chat', data: { message: 'Hello!' } });

  // Client 1 receives the message
  const m = await c1.next('message');
  t.equal(m.room, 'chat');
  t.same(m.data, { message: 'Hello!' });
  t.equal(m.client_id, c2.connected?.data.client_id, 'client_id is the sender');
  t.type(m.message_id, 'string');
  t.type(m.timestamp, 'number');
  t.notOk('user_id' in m, 'anonymous sender: no user_id');
  t.notOk('id' in m);

  // The sender is a subscriber too (canonical protocol): it gets the same frame.
  const echo = await c2.next('message');
  t.same(echo, m);
});

t.test('replies echo the request id; unsubscribe stops delivery', async (t) => {
  const srv = await server();
  t.teardown(() => srv.stop());
  const a = await srv.connect();
  const b = await srv.connect();
  const sa = await a.request({ type: 'subscribe', room: 'news', id: 'sub-1' });
  t.equal(sa.type, 'subscribed');
  t.equal(sa.id, 'sub-1');
  await b.request({ type: 'subscribe', room: 'news' });

  a.send({ type: 'unsubscribe', room: 'news', id: 42 });
  const un = await a.next('unsubscribed');
  t.same({ type: un.type, room: un.room, data: un.data, id: un.id }, { type: 'unsubscribed', room: 'news', data: { room: 'news' }, id: '42' });

  b.send({ type: 'publish', room: 'news', data: 'after' });
  await b.next('message');
  t.ok(await a.expectNone('message'), 'unsubscribed client gets nothing');

  // Idempotent: leaving again still answers unsubscribed.
  const again = await a.request({ type: 'unsubscribe', room: 'news' });
  t.equal(again.type, 'unsubscribed');
});

t.test('authenticated sender: deliveries carry user_id', async (t) => {
  const srv = await server({ auth: true });
  t.teardown(() => srv.stop());
  const alice = await srv.as({ sub: 'alice' });
  const bob = await srv.as({ sub: 'bob' });
  await alice.request({ type: 'subscribe', room: 'chat' });
  await bob.request({ type: 'subscribe', room: 'chat' });
  bob.send({ type: 'publish', room: 'chat', data: { text: 'hi' } });
  const m = await alice.next('message');
  t.equal(m.user_id, 'bob');
  t.equal(m.client_id, bob.connected?.data.client_id);
});
