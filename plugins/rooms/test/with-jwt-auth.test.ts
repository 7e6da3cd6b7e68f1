/** The rooms plugin with the real auth plugin (HS256 JWTs): policies, notify API roles, admin API. */
import t from 'tap';
import { SignJWT } from 'jose';
import { startTestServer } from '@actorwire/testing';
import authPlugin from '@actorwire/plugin-auth';
import rooms from '../src/index.js';
import { http } from './support/helpers.js';

const SECRET = 'rooms-with-jwt-secret-0123456789-abcdefghijklmnop';
const jwt = (claims: Record<string, unknown>) =>
  new SignJWT({ exp: Math.floor(Date.now() / 1000) + 600, ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));

t.test('JWT identities drive the realtime-service policies, the notify API and the admin API', async (t) => {
  const srv = await startTestServer({ plugins: [[authPlugin, { secret: SECRET }], rooms] });
  t.teardown(() => srv.stop());

  const owner = await srv.connect(`/ws?token=${await jwt({ sub: '42', role: 'client' })}`);
  const stranger = await srv.connect(`/ws?token=${await jwt({ sub: '7', role: 'client' })}`);
  const seller = await srv.connect(`/ws?token=${await jwt({ user_id: 's1', role: 'seller', seller_id: '9' })}`);
  t.equal((await owner.request({ type: 'subscribe', room: 'order-42' })).type, 'subscribed', 'owner joins own order');
  t.equal((await stranger.request({ type: 'subscribe', room: 'order-42' })).code, 'FORBIDDEN', 'stranger refused');
  t.equal((await seller.request({ type: 'subscribe', room: 'seller-9' })).type, 'subscribed', 'seller joins own channel');

  const service = await jwt({ sub: 'billing', role: 'service' });
  const res = await http(srv, 'POST', '/api/notify', { token: service, body: { event: 'order.paid', data: { id: 42 }, room: 'order-42' } });
  t.equal(res.status, 202, 'service token may notify');
  const n = await owner.next('notification');
  t.same({ event: n.event, data: n.data }, { event: 'order.paid', data: { id: 42 } });

  const toUser = await http(srv, 'POST', '/api/notify', { token: service, body: { event: 'hello', data: null, user_id: '7' } });
  t.equal(toUser.status, 202);
  t.equal((await stranger.next('notification')).event, 'hello', 'user notification reaches the user channel');

  const client = await jwt({ sub: '42', role: 'client' });
  const forbidden = await http(srv, 'POST', '/api/notify', { token: client, body: { event: 'x', data: null, user_id: '7' } });
  t.equal(forbidden.status, 403, 'a client token may not notify');
  t.equal(forbidden.body.reason, 'insufficient_role');
  const badSig = await http(srv, 'POST', '/api/notify', { token: client.slice(0, -4) + 'AAAA', body: { event: 'x', user_id: '7' } });
  t.equal(badSig.status, 401, 'a forged token is refused');

  const admin = await http(srv, 'GET', '/admin/clients', { token: await jwt({ sub: 'ops', role: 'admin' }) });
  t.equal(admin.status, 200);
  t.same(admin.body, { clients: 3, rooms: { 'order-42': 1, 'seller-9': 1 } });
});
