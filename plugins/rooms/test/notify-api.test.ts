/** POST /api/notify (the realtime service) and the `notifier` container API. */
import t from 'tap';
import { request } from 'node:http';
import { server, http, token } from './support/helpers.js';
import type { Notifier } from '../src/index.js';

const service = token({ sub: 'billing', role: 'service' });
const admin = token({ sub: 'root', role: 'admin' });

t.test('notify a user (all connections) and a room', async (t) => {
  const srv = await server({ auth: true });
  t.teardown(() => srv.stop());
  const tab1 = await srv.as({ sub: 'user-123' });
  const tab2 = await srv.as({ sub: 'user-123' });
  const other = await srv.as({ sub: 'user-9' });

  const res = await http(srv, 'POST', '/api/notify', { token: service, body: { event: 'order_created', data: { id: 456 }, user_id: 'user-123' } });
  t.equal(res.status, 202);
  t.equal(res.body.delivered, true);
  t.type(res.body.message_id, 'string');
  for (const c of [tab1, tab2]) {
    const n = await c.next('notification');
    t.same(n, { type: 'notification', event: 'order_created', data: { id: 456 }, message_id: res.body.message_id, timestamp: n.timestamp });
    t.type(n.timestamp, 'number');
  }
  t.ok(await other.expectNone('notification'));

  // A numeric user_id (ERP ids) is accepted.
  const owner = await srv.as({ sub: '42' });
  t.equal((await http(srv, 'POST', '/api/notify', { token: admin, body: { event: 'e', user_id: 42 } })).status, 202);
  t.equal((await owner.next('notification')).data, null);

  // A room
  const member = await srv.as({ sub: '1' });
  await member.request({ type: 'subscribe', room: 'order-1' });
  const r2 = await http(srv, 'POST', '/api/notify', { token: admin, body: { event: 'order_updated', data: { status: 'shipped' }, room: 'order-1' } });
  t.equal(r2.status, 202);
  const n = await member.next('notification');
  t.same({ event: n.event, data: n.data, message_id: n.message_id }, { event: 'order_updated', data: { status: 'shipped' }, message_id: r2.body.message_id });
  t.ok(await tab1.expectNone('notification'), 'non-members get nothing');

  // broadcast: true → everyone
  const r3 = await http(srv, 'POST', '/api/notify', { token: admin, body: { event: 'maintenance', broadcast: true } });
  t.equal(r3.status, 202);
  for (const c of [tab1, tab2, other, member]) t.equal((await c.next('notification')).event, 'maintenance');
});

t.test('the realtime service\'s "to": "broadcast", a user id, or a room', async (t) => {
  const srv = await server({ auth: true });
  t.teardown(() => srv.stop());
  const alice = await srv.as({ sub: 'alice' });
  const bob = await srv.as({ sub: 'bob' });
  const member = await srv.as({ sub: '7', role: 'admin' });
  await member.request({ type: 'subscribe', room: 'order-456' });

  const all = await http(srv, 'POST', '/api/notify', { token: service, body: { event: 'maintenance', data: { at: 1 }, to: 'broadcast' } });
  t.equal(all.status, 202, '"to":"broadcast" is accepted');
  for (const c of [alice, bob, member]) t.same((await c.next('notification')).data, { at: 1 });

  const one = await http(srv, 'POST', '/api/notify', { token: service, body: { event: 'order_created', data: { id: 1 }, to: 'alice' } });
  t.equal(one.status, 202);
  t.equal((await alice.next('notification')).event, 'order_created', 'to a user id');
  t.ok(await bob.expectNone('notification'), 'only that user');

  const room = await http(srv, 'POST', '/api/notify', { token: service, body: { event: 'order_updated', to: 'order-456' } });
  t.equal(room.status, 202);
  t.equal((await member.next('notification')).event, 'order_updated', 'to a room');
  t.ok(await alice.expectNone('notification', 100), 'only its members');
});

t.test('400 / 401 / 403 / 413', async (t) => {
  const srv = await server({ auth: true, rooms: { notifyMaxBodySize: 1024 } });
  t.teardown(() => srv.stop());
  const post = (o: Parameters<typeof http>[3]) => http(srv, 'POST', '/api/notify', o);

  let r = await post({ body: { event: 'e', user_id: '1' } });
  t.same([r.status, r.body.code], [401, 'UNAUTHORIZED'], 'no token');
  r = await post({ token: 'garbage', body: { event: 'e', user_id: '1' } });
  t.equal(r.status, 401, 'bad token');
  r = await post({ token: token({ sub: 'u', role: 'client' }), body: { event: 'e', user_id: '1' } });
  t.same([r.status, r.body.code], [403, 'FORBIDDEN'], 'client role');

  r = await post({ token: service, body: { event: 'e', data: 1 } });
  t.equal(r.status, 400);
  t.same(r.body, { error: 'invalid message: a target is required: "user_id", "room", "to" or "broadcast"', code: 'INVALID_MESSAGE' });
  r = await post({ token: service, body: { event: 'e', to: 7 } });
  t.same([r.status, r.body.code], [400, 'INVALID_MESSAGE'], '"to" must be a string');
  r = await post({ token: service, body: { event: 'e', room: 'order-' } });
  t.same([r.status, r.body.code], [400, 'INVALID_ROOM_FORMAT'], 'an owner-scoped room without its id');
  r = await post({ token: service, raw: '{"event": "e", "room": ' });
  t.same([r.status, r.body], [400, { error: 'invalid JSON format', code: 'INVALID_JSON' }]);
  r = await post({ token: service, raw: '' });
  t.same([r.status, r.body.code], [400, 'INVALID_JSON'], 'empty body');
  r = await post({ token: service, body: [1, 2] });
  t.same([r.status, r.body.error], [400, 'invalid message: body must be a JSON object']);
  r = await post({ token: service, body: { room: 'chat' } });
  t.same([r.status, r.body.error], [400, 'invalid message: "event" is required (a non-empty string)']);
  r = await post({ token: service, body: { event: 'e', room: 'bad room' } });
  t.same([r.status, r.body.code], [400, 'INVALID_MESSAGE']);
  r = await post({ token: service, body: { event: 'e', user_id: { a: 1 } } });
  t.same([r.status, r.body.error], [400, 'invalid message: "user_id" must be a string']);

  r = await post({ token: service, body: { event: 'e', room: 'chat', data: 'x'.repeat(2000) } });
  t.same([r.status, r.body], [413, { error: 'request body too large (limit 1024 bytes)', code: 'TOO_LARGE' }]);
  t.equal((await post({ token: service, body: { event: 'e', room: 'chat', data: 'x'.repeat(900) } })).status, 202, 'just under the limit');

  // A chunked body declares no length: measured after arrival.
  const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${srv.httpBase}/api/notify`, { method: 'POST', headers: { authorization: `Bearer ${service}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.write('{"event":"e","room":"chat","data":"');
    req.write('y'.repeat(1500));
    req.end('"}');
  });
  t.equal(chunked.status, 413);
  t.same(JSON.parse(chunked.body).code, 'TOO_LARGE');
});

t.test('a body over the server-wide limit (1 MiB) is answered 413, not cut off', async (t) => {
  const srv = await server({ auth: true });
  t.teardown(() => srv.stop());
  const big = JSON.stringify({ event: 'e', room: 'chat', data: 'z'.repeat(1_500_000) });
  const res = await new Promise<{ status: number }>((resolve, reject) => {
    const req = request(`${srv.httpBase}/api/notify`, { method: 'POST', headers: { authorization: `Bearer ${service}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(big)) } }, (r) => {
      r.resume();
      r.on('end', () => resolve({ status: r.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end(big);
  });
  t.equal(res.status, 413);
  t.equal((await http(srv, 'POST', '/api/notify', { token: service, body: { event: 'e', room: 'chat' } })).status, 202, 'the server goes on');
});

t.test('open mode: the notify API answers without a token', async (t) => {
  const srv = await server();
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  await c.request({ type: 'subscribe', room: 'chat' });
  t.equal((await http(srv, 'POST', '/api/notify', { body: { event: 'hello', room: 'chat' } })).status, 202);
  t.equal((await c.next('notification')).event, 'hello');
});

t.test('notifier in the container: toUser, toRoom, broadcast', async (t) => {
  const srv = await server({ auth: true });
  t.teardown(() => srv.stop());
  const u = await srv.as({ sub: 'u1' });
  const v = await srv.as({ sub: 'u2' });
  await v.request({ type: 'subscribe', room: 'lobby' });
  const notifier = srv.kernel.services.get('notifier');

  const a = await notifier.toUser('u1', 'direct', { x: 1 });
  t.same((await u.next('notification')), { type: 'notification', event: 'direct', data: { x: 1 }, message_id: a.message_id, timestamp: (u.history.at(-1) as any).timestamp });
  const b = await notifier.toRoom('lobby', 'room_event', [1]);
  t.equal(b.delivered, true);
  t.equal((await v.next('notification')).message_id, b.message_id);
  t.ok(await u.expectNone('notification'));
  await notifier.broadcast('all', 'hi');
  t.equal((await u.next('notification')).event, 'all');
  t.equal((await v.next('notification')).event, 'all');

  await t.rejects(notifier.toRoom('bad room', 'e'), { code: 'INVALID_MESSAGE' });
  await t.rejects(notifier.toUser('u1', ''), { code: 'INVALID_MESSAGE' });
});
