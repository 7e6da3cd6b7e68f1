/** The realtime service's authorization matrix with the claims policies (no BACKEND_URL). */
import t from 'tap';
import type { TestClient } from '@actorwire/testing';
import { server } from './support/helpers.js';

const users = {
  owner: { sub: '1', role: 'client' },
  stranger: { sub: '2', role: 'client' },
  seller: { sub: '3', role: 'seller', seller_id: '9' },
  sellerIdOnly: { sub: '4', role: 'client', seller_id: '9' },
  admin: { sub: '5', role: 'admin' },
};

async function outcome(c: TestClient, room: string): Promise<string> {
  const f = await c.request({ type: 'subscribe', room });
  return f.type === 'subscribed' ? 'allowed' : `${f.code}`;
}

t.test('claims matrix: owner, stranger, seller, admin', async (t) => {
  const srv = await server({ auth: true });
  t.teardown(() => srv.stop());
  const c = {
    owner: await srv.as(users.owner),
    stranger: await srv.as(users.stranger),
    seller: await srv.as(users.seller),
    sellerIdOnly: await srv.as(users.sellerIdOnly),
    admin: await srv.as(users.admin),
  };
  const matrix: Array<[keyof typeof c, string, string]> = [
    ['owner', 'order-1', 'allowed'],
    ['owner', 'order-2', 'FORBIDDEN'],
    ['owner', 'seller-9', 'FORBIDDEN'],
    ['owner', 'chat', 'allowed'],
    ['stranger', 'order-1', 'FORBIDDEN'],
    ['stranger', 'seller-9', 'FORBIDDEN'],
    ['stranger', 'chat', 'allowed'],
    ['seller', 'seller-9', 'allowed'],
    ['seller', 'seller-8', 'allowed'], // the realtime service: role seller may join seller rooms
    ['seller', 'order-1', 'FORBIDDEN'],
    ['sellerIdOnly', 'seller-9', 'allowed'],
    ['sellerIdOnly', 'seller-8', 'FORBIDDEN'],
    ['admin', 'order-1', 'allowed'],
    ['admin', 'seller-9', 'allowed'],
    ['admin', 'chat', 'allowed'],
    // Prefix semantics beyond `{id}`: `order-1:chat` is still an order room (id "1:chat").
    ['owner', 'order-1:chat', 'FORBIDDEN'],
    ['admin', 'order-1:chat', 'allowed'],
    // User channels: another user's is closed, except to admins.
    ['stranger', 'user:1', 'FORBIDDEN'],
    ['admin', 'user:1', 'allowed'],
  ];
  for (const [who, room, expected] of matrix) t.equal(await outcome(c[who], room), expected, `${who} → ${room}: ${expected}`);

  const denied = await c.stranger.request({ type: 'subscribe', room: 'order-1' });
  t.equal(denied.error, 'not allowed to join this room');
  t.notOk(c.stranger.connected === undefined);
});

t.test('open mode and optional routes: anonymous sessions', async (t) => {
  const open = await server();
  t.teardown(() => open.stop());
  const anon = await open.connect();
  t.equal(await outcome(anon, 'chat'), 'allowed', 'anonymous may join plain rooms by default');
  t.equal(await outcome(anon, 'order-1'), 'FORBIDDEN', 'never order rooms');
  t.equal(await outcome(anon, 'seller-1'), 'FORBIDDEN', 'never seller rooms');
  t.equal(await outcome(anon, 'user:1'), 'FORBIDDEN', 'never user channels');

  const strict = await server({ rooms: { allowAnonymous: false } });
  t.teardown(() => strict.stop());
  t.equal(await outcome(await strict.connect(), 'chat'), 'FORBIDDEN', 'allowAnonymous: false');

  const optional = await server({ auth: true, config: { defaultAuth: 'optional' } });
  t.teardown(() => optional.stop());
  t.equal(await outcome(await optional.connect(), 'chat'), 'allowed');
  t.equal(await outcome(await optional.as(users.owner), 'order-1'), 'allowed');
});

t.test('roomRoles restricts plain rooms', async (t) => {
  const srv = await server({ auth: true, rooms: { roomRoles: ['staff'] } });
  t.teardown(() => srv.stop());
  t.equal(await outcome(await srv.as({ sub: '1', role: 'client' }), 'chat'), 'FORBIDDEN');
  t.equal(await outcome(await srv.as({ sub: '2', role: 'staff' }), 'chat'), 'allowed');
  t.equal(await outcome(await srv.as({ sub: '3', roles: ['staff', 'x'] }), 'chat'), 'allowed', 'a roles claim counts');
  t.equal(await outcome(await srv.as(users.admin), 'chat'), 'allowed');
});

t.test('sellerIdClaim: seller rooms compare the configured claim (a dotted path), not a kernel field', async (t) => {
  const srv = await server({ auth: true, rooms: { sellerIdClaim: 'shop.id' } });
  t.teardown(() => srv.stop());
  const owner = await srv.as({ sub: '7', role: 'client', shop: { id: 42 } });
  const legacy = await srv.as({ sub: '8', role: 'client', seller_id: '42' });
  t.equal(await outcome(owner, 'seller-42'), 'allowed', 'shop.id 42 (a number) matches seller-42');
  t.equal(await outcome(owner, 'seller-43'), 'FORBIDDEN');
  t.equal(await outcome(legacy, 'seller-42'), 'FORBIDDEN', 'seller_id is not read once another claim is configured');
});
