/** The other dialects' message forms (docs/protocol.md "Aliases") against the canonical protocol. */
import t from 'tap';
import { server } from './support/helpers.js';

t.test('realtime-service dialect: join / broadcast payload / leave', async (t) => {
  const srv = await server({ auth: true });
  t.teardown(() => srv.stop());
  const a = await srv.as({ sub: '1' });
  const b = await srv.as({ sub: '2' });

  const joined = await a.request({ type: 'join', payload: { room: 'room-1' }, id: 'j1' });
  t.same({ type: joined.type, room: joined.room, id: joined.id, data: joined.data }, { type: 'subscribed', room: 'room-1', id: 'j1', data: { room: 'room-1', client_count: 1 } });
  b.send({ type: 'join', payload: { room: 'room-1' } });
  t.equal((await b.next('subscribed')).data.client_count, 2);

  b.send({ type: 'broadcast', payload: { room: 'room-1', body: 'Hola sala 1' } });
  const m = await a.next('message');
  t.same({ room: m.room, data: m.data, user_id: m.user_id }, { room: 'room-1', data: 'Hola sala 1', user_id: '2' });

  // The payload form is a publish: the sender must be subscribed.
  const c = await srv.as({ sub: '3' });
  const denied = await c.request({ type: 'broadcast', payload: { room: 'room-1', body: 'x' } });
  t.equal(denied.code, 'NOT_SUBSCRIBED');
  const noRoom = await c.request({ type: 'broadcast', payload: { body: 'x' } });
  t.equal(noRoom.code, 'ROOM_REQUIRED');

  const left = await a.request({ type: 'leave', payload: { room: 'room-1' } });
  t.equal(left.type, 'unsubscribed');
  t.equal(left.room, 'room-1');
  b.send({ type: 'broadcast', payload: { room: 'room-1', body: 'bye' } });
  await b.next('message');
  t.ok(await a.expectNone('message'));
});

t.test('gateway dialect: subscribe/unsubscribe data.channel, heartbeat', async (t) => {
  const srv = await server({ auth: true });
  t.teardown(() => srv.stop());
  const a = await srv.as({ sub: '1' });
  const b = await srv.as({ sub: '2' });

  const s = await a.request({ type: 'subscribe', data: { channel: 'user_events' } });
  t.same({ type: s.type, room: s.room }, { type: 'subscribed', room: 'user_events' });
  await b.request({ type: 'subscribe', data: { channel: 'user_events' } });
  b.send({ type: 'publish', room: 'user_events', data: { action: 'user_login' } });
  t.same((await a.next('message')).data, { action: 'user_login' });

  const u = await a.request({ type: 'unsubscribe', data: { channel: 'user_events' } });
  t.same({ type: u.type, room: u.room }, { type: 'unsubscribed', room: 'user_events' });

  const hb = await a.request({ type: 'heartbeat', id: 'hb' });
  t.same({ type: hb.type, id: hb.id }, { type: 'pong', id: 'hb' });

  // Own notifications:<user_id> channel: already joined (it is user:<id>).
  const own = await a.request({ type: 'subscribe', data: { channel: 'notifications:1' } });
  t.same({ type: own.type, room: own.room }, { type: 'subscribed', room: 'notifications:1' });
  const other = await a.request({ type: 'subscribe', data: { channel: 'notifications:2' } });
  t.equal(other.code, 'FORBIDDEN');

  // Canonical `room` wins over data.channel when both are present.
  const both = await a.request({ type: 'subscribe', room: 'x', data: { channel: 'y' } });
  t.equal(both.room, 'x');
});
