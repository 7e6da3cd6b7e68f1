/** Every error of docs/protocol.md's table, with its exact text, code, and the request id echoed. */
import t, { type Test } from 'tap';
import { server } from './support/helpers.js';
import type { TestClient } from '@actorwire/testing';

async function expectError(t: Test, c: TestClient, frame: Record<string, unknown>, code: string, error: string | RegExp): Promise<void> {
  const reply = await c.request(frame);
  t.equal(reply.type, 'error', `${JSON.stringify(frame)} → error`);
  t.equal(reply.code, code);
  if (typeof error === 'string') t.equal(reply.error, error);
  else t.match(reply.error, error);
  t.type(reply.timestamp, 'number');
}

t.test('message errors (open mode)', async (t) => {
  const srv = await server({ rooms: { maxConnectionsPerRoom: 1 } });
  t.teardown(() => srv.stop());
  const c = await srv.connect();

  c.send('{not json');
  const bad = await c.next('error');
  t.same({ code: bad.code, error: bad.error }, { code: 'INVALID_JSON', error: 'invalid JSON format' });

  await expectError(t, c, { type: 'dance' }, 'UNKNOWN_TYPE', 'unknown message type');
  await expectError(t, c, { type: 'subscribe', room: 5 }, 'INVALID_MESSAGE', 'invalid message: room must be string');
  await expectError(t, c, { type: 'subscribe', room: 'a b' }, 'INVALID_MESSAGE', 'invalid message: room name may only contain letters, digits and _ . : @ -');
  await expectError(t, c, { type: 'subscribe', room: '$broadcast' }, 'INVALID_MESSAGE', /^invalid message: room name/);
  await expectError(t, c, { type: 'subscribe', room: 'x'.repeat(129) }, 'INVALID_MESSAGE', 'invalid message: room name must be at most 128 characters');
  await expectError(t, c, { type: 'subscribe' }, 'ROOM_REQUIRED', 'room name is required');
  await expectError(t, c, { type: 'subscribe', room: '' }, 'ROOM_REQUIRED', 'room name is required');
  await expectError(t, c, { type: 'subscribe', room: 'order-' }, 'INVALID_ROOM_FORMAT', 'room "order-" needs an id: order-{id}');
  await expectError(t, c, { type: 'join', payload: { room: 'seller-' } }, 'INVALID_ROOM_FORMAT', 'room "seller-" needs an id: seller-{id}');
  await expectError(t, c, { type: 'presence', room: 'order-' }, 'INVALID_ROOM_FORMAT', 'room "order-" needs an id: order-{id}');
  await expectError(t, c, { type: 'unsubscribe' }, 'ROOM_REQUIRED', 'room name is required');
  await expectError(t, c, { type: 'publish', data: 1 }, 'ROOM_REQUIRED', 'room name is required');
  await expectError(t, c, { type: 'presence' }, 'ROOM_REQUIRED', 'room name is required');
  await expectError(t, c, { type: 'join', payload: {} }, 'ROOM_REQUIRED', 'room name is required');
  await expectError(t, c, { type: 'publish', room: 'elsewhere', data: 1 }, 'NOT_SUBSCRIBED', 'not subscribed to this room');
  await expectError(t, c, { type: 'presence', room: 'elsewhere' }, 'NOT_SUBSCRIBED', 'not subscribed to this room');

  // ROOM_FULL (limit 1)
  const other = await srv.connect();
  await other.request({ type: 'subscribe', room: 'tiny' });
  await expectError(t, c, { type: 'subscribe', room: 'tiny' }, 'ROOM_FULL', 'room is at maximum capacity');

  t.ok(await c.request({ type: 'ping' }).then((f) => f.type === 'pong'), 'session stays open after errors');
});

t.test('FORBIDDEN and UNAUTHORIZED (auth on)', async (t) => {
  const srv = await server({ auth: true, allowLateAuth: true, config: { websocket: { authTimeout: 3000 } } });
  t.teardown(() => srv.stop());
  const stranger = await srv.as({ sub: '2', role: 'client' });
  await expectError(t, stranger, { type: 'subscribe', room: 'order-1' }, 'FORBIDDEN', 'not allowed to join this room');
  await expectError(t, stranger, { type: 'broadcast', data: 'x' }, 'FORBIDDEN', 'not allowed to broadcast');

  // Connected without a token (the auth plugin would accept an `auth` message): not ready yet.
  const late = await srv.connect('/ws');
  await expectError(t, late, { type: 'subscribe', room: 'chat' }, 'UNAUTHORIZED', 'authentication required');
});

t.test('SERVER_FULL: global connection limit', async (t) => {
  const srv = await server({ config: { websocket: { maxConnections: 1 } } });
  t.teardown(() => srv.stop());
  await srv.connect();
  const c = await srv.connect('/ws', { awaitConnected: false });
  const err = await c.next('error');
  t.same({ code: err.code, error: err.error }, { code: 'SERVER_FULL', error: 'server is at maximum capacity' });
  const closed = await c.closed;
  t.equal(closed.code, 1013);
});

t.test('RATE_LIMITED and TOO_LARGE', async (t) => {
  const srv = await server({ config: { websocket: { maxMessageSize: 200, rateLimit: { messagesPerSecond: 1, burst: 3, maxViolations: 50 } } } });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  c.send({ type: 'subscribe', room: 'r', data: 'x'.repeat(300) });
  const big = await c.next('error');
  t.same({ code: big.code, error: big.error }, { code: 'TOO_LARGE', error: 'message too large' });
  for (let i = 0; i < 5; i++) c.send({ type: 'ping' });
  const limited = await c.next((f) => f.type === 'error' && f.code === 'RATE_LIMITED');
  t.equal(limited.error, 'rate limit exceeded');
});
