/** Limits: connections per room (ROOM_FULL), rooms per connection, and room names. */
import t from 'tap';
import { server } from './support/helpers.js';
import optionsPlugin from '../src/index.js';

t.test('room capacity: ROOM_FULL at the limit, a slot frees on leave and on disconnect', async (t) => {
  const srv = await server({ rooms: { maxConnectionsPerRoom: 2 } });
  t.teardown(() => srv.stop());
  const [a, b, c] = await Promise.all([srv.connect(), srv.connect(), srv.connect()]);
  t.equal((await a.request({ type: 'subscribe', room: 'duo' })).data.client_count, 1);
  t.equal((await b.request({ type: 'subscribe', room: 'duo' })).data.client_count, 2);
  const full = await c.request({ type: 'subscribe', room: 'duo', id: 'x' });
  t.same({ code: full.code, error: full.error, id: full.id }, { code: 'ROOM_FULL', error: 'room is at maximum capacity', id: 'x' });
  t.equal((await a.request({ type: 'subscribe', room: 'duo' })).type, 'subscribed', 'a member re-subscribing is not refused');
  t.equal((await c.request({ type: 'subscribe', room: 'other' })).type, 'subscribed', 'other rooms unaffected');

  await a.request({ type: 'unsubscribe', room: 'duo' });
  t.equal((await c.request({ type: 'subscribe', room: 'duo' })).data.client_count, 2);

  const d = await srv.connect();
  t.equal((await d.request({ type: 'subscribe', room: 'duo' })).code, 'ROOM_FULL');
  await b.close();
  let ok = false;
  for (let i = 0; i < 50 && !ok; i++) ok = (await d.request({ type: 'subscribe', room: 'duo' })).type === 'subscribed';
  t.ok(ok, 'the slot of a closed connection is free');
});

t.test('concurrent joins never exceed the limit', async (t) => {
  const srv = await server({ rooms: { maxConnectionsPerRoom: 5 } });
  t.teardown(() => srv.stop());
  const clients = await Promise.all(Array.from({ length: 20 }, () => srv.connect()));
  const replies = await Promise.all(clients.map((c) => c.request({ type: 'subscribe', room: 'race' })));
  t.equal(replies.filter((r) => r.type === 'subscribed').length, 5);
  t.equal(replies.filter((r) => r.code === 'ROOM_FULL').length, 15);
});

t.test('rooms per connection (plugin option and kernel limit)', async (t) => {
  const srv = await server({ rooms: { maxRoomsPerConnection: 2 } });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  await c.request({ type: 'subscribe', room: 'r1' });
  await c.request({ type: 'subscribe', room: 'r2' });
  const third = await c.request({ type: 'subscribe', room: 'r3' });
  t.same({ code: third.code, error: third.error }, { code: 'TOO_MANY_SUBSCRIPTIONS', error: 'subscription limit reached' });
  await c.request({ type: 'unsubscribe', room: 'r1' });
  t.equal((await c.request({ type: 'subscribe', room: 'r3' })).type, 'subscribed');

  const k = await server({ config: { websocket: { maxSubscriptionsPerConnection: 1 } } });
  t.teardown(() => k.stop());
  const c2 = await k.connect();
  await c2.request({ type: 'subscribe', room: 'a' });
  t.equal((await c2.request({ type: 'subscribe', room: 'b' })).code, 'TOO_MANY_SUBSCRIPTIONS');
});

t.test('room names: length, characters, custom pattern', async (t) => {
  const srv = await server({ rooms: { maxRoomNameLength: 8, roomNamePattern: '^[a-z]+$' } });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  t.equal((await c.request({ type: 'subscribe', room: 'abcdefgh' })).type, 'subscribed');
  t.equal((await c.request({ type: 'subscribe', room: 'abcdefghi' })).error, 'invalid message: room name must be at most 8 characters');
  t.equal((await c.request({ type: 'subscribe', room: 'Abc' })).error, 'invalid message: room name must match ^[a-z]+$');

  const dflt = await server();
  t.teardown(() => dflt.stop());
  const d = await dflt.connect();
  for (const ok of ['chat', 'room-1', 'a_b.c:d@e-f', 'x'.repeat(128)]) t.equal((await d.request({ type: 'subscribe', room: ok })).type, 'subscribed', `${ok.slice(0, 20)} ok`);
  for (const bad of ['a b', 'a/b', 'ä', 'a$b', '$broadcast', 'a#b']) t.equal((await d.request({ type: 'subscribe', room: bad })).code, 'INVALID_MESSAGE', `${bad} refused`);

  // `$` is refused even when a custom pattern would allow it.
  const dollar = await server({ rooms: { roomNamePattern: '^.+$' } });
  t.teardown(() => dollar.stop());
  t.equal((await (await dollar.connect()).request({ type: 'subscribe', room: '$broadcast' })).code, 'INVALID_MESSAGE');
});

t.test('options from the environment', async (t) => {
  const env = {
    WEBSOCKET_LIMITS_MAX_CONNECTIONS_PER_ROOM: '1000',
    BACKEND_URL: 'http://rest:3000/api',
    ROOMS_BACKEND_TIMEOUT: '2s',
    ROOMS_PRESENCE_EVENTS: 'chat-*, lobby',
    ROOMS_ALLOW_ANONYMOUS: 'false',
    ROOMS_BROADCAST: 'admins',
  };
  const o = optionsPlugin.optionsFromEnv!(env);
  t.match(o, { maxConnectionsPerRoom: 1000, backendUrl: 'http://rest:3000/api', backendTimeout: 2000, presenceEvents: ['chat-*', 'lobby'], allowAnonymous: false, broadcast: 'admins' });
  t.throws(() => optionsPlugin.optionsFromEnv!({ WEBSOCKET_LIMITS_MAX_CONNECTIONS_PER_ROOM: 'lots' }), /WEBSOCKET_LIMITS_MAX_CONNECTIONS_PER_ROOM/);
  t.throws(() => optionsPlugin.optionsFromEnv!({ ROOMS_BROADCAST: 'everyone' }), /ROOMS_BROADCAST/);
  t.throws(() => optionsPlugin.optionsFromEnv!({ ROOMS_NAME_PATTERN: '([' }), /ROOMS_NAME_PATTERN/);
  t.throws(() => optionsPlugin.optionsFromEnv!({ BACKEND_URL: 'not a url' }), /BACKEND_URL/);
});
