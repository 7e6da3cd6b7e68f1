/**
 * A mixed fleet on one Redis (REDIS_URL): two Actorwire instances in interop mode beside a
 * realtime-service instance and an API gateway, played by Redis clients that speak exactly their
 * JSON — the realtime service's envelope `{from, room, ts, body}` on `ws:room:<room>`, the
 * gateway's `event` frame on `events:<type>`, its `notification` frame on `notifications:<id>` and
 * its frames on `system:broadcast`. Traffic goes both ways, exactly once.
 */
import t from 'tap';
import { Redis } from 'ioredis';
import { REDIS_URL, instance, uniquePrefix, untilSubscribers, user } from './support.js';

/** A Go service's subscriber: every message on its channels, in order. */
async function goSubscriber(channels: string[]) {
  const sub = new Redis(REDIS_URL);
  const got: Array<{ channel: string; body: any }> = [];
  sub.on('message', (channel: string, raw: string) => got.push({ channel, body: JSON.parse(raw) }));
  await sub.subscribe(...channels);
  return { got, close: () => sub.quit() };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('Actorwire and Go instances on one Redis: rooms, events, notifications and broadcasts both ways, once each', async (t) => {
  const p = uniquePrefix();
  const fleet = {
    keyPrefix: p, interop: true, interopRoomFormat: 'envelope' as const, interopEvents: true,
    interopEventsPrefix: `${p}events:`, interopUserPrefix: `${p}notifications:`, interopBroadcastChannel: `${p}system:broadcast`,
  };
  const a1 = await instance({ url: REDIS_URL, ...fleet });
  const a2 = await instance({ url: REDIS_URL, ...fleet });
  const goPub = new Redis(REDIS_URL);
  const realtime = await goSubscriber([`${p}room:lobby`]);
  const gateway = await goSubscriber([`${p}events:lobby`]);
  t.teardown(async () => {
    await a1.stop();
    await a2.stop();
    goPub.disconnect();
    await realtime.close();
    await gateway.close();
  });
  const ana = await user(a1, 'ana');
  const ben = await user(a2, 'ben');
  await ana.request({ type: 'subscribe', room: 'lobby' });
  await ben.request({ type: 'subscribe', room: 'lobby' });
  await untilSubscribers(REDIS_URL, `${p}room:lobby`, 3);
  await untilSubscribers(REDIS_URL, `${p}events:lobby`, 3);
  await untilSubscribers(REDIS_URL, `${p}notifications:ben`, 1);
  await untilSubscribers(REDIS_URL, `${p}system:broadcast`, 2);

  // Actorwire → Go: the realtime service reads its envelope, the gateway its event frame.
  ana.send({ type: 'publish', room: 'lobby', data: { text: 'hola' } });
  const own = await ana.next('message');
  const atBen = await ben.next('message');
  t.equal(own.message_id, atBen.message_id, 'one message, the same id everywhere');
  t.same(atBen.data, { text: 'hola' }, 'the other Actorwire instance delivers it');
  await settle(300);
  t.equal(realtime.got.length, 1, 'the realtime service got it once');
  t.match(realtime.got[0]!.body, { from: 'ana', room: 'lobby', body: { text: 'hola' }, meta: { message_id: atBen.message_id } }, 'as its envelope');
  t.ok(!Number.isNaN(Date.parse(realtime.got[0]!.body.ts)), 'ts is an RFC 3339 time');
  t.equal(gateway.got.length, 1, 'the gateway got it once');
  t.match(gateway.got[0]!.body, { type: 'event', channel: 'lobby', data: { text: 'hola' }, message_id: atBen.message_id }, 'as its event frame');
  t.ok(await ben.expectNone('message', 200), 'once at the other instance, though it arrived on two channels');
  t.ok(await ana.expectNone('message', 100), 'no echo at the publisher');

  // Go → Actorwire: the realtime service's envelope, then the gateway's event frame.
  await goPub.publish(`${p}room:lobby`, JSON.stringify({ from: 'go-7', room: 'lobby', ts: '2024-01-15T10:30:00Z', body: { text: 'from go' } }));
  for (const c of [ana, ben]) {
    const m = await c.next('message');
    t.same({ data: m.data, user_id: m.user_id, timestamp: m.timestamp }, { data: { text: 'from go' }, user_id: 'go-7', timestamp: Date.parse('2024-01-15T10:30:00Z') });
  }
  await goPub.publish(`${p}events:lobby`, JSON.stringify({ type: 'event', channel: 'lobby', data: { action: 'user_login', user_id: 'user123' }, timestamp: '2024-01-15T10:30:00Z', message_id: 'gw-1' }));
  for (const c of [ana, ben]) {
    const m = await c.next('message');
    t.same({ room: m.room, data: m.data, message_id: m.message_id, timestamp: m.timestamp }, { room: 'lobby', data: { action: 'user_login', user_id: 'user123' }, message_id: 'gw-1', timestamp: Date.parse('2024-01-15T10:30:00Z') }, 'the gateway\'s event is a room message');
  }

  // The gateway's own notification frame on notifications:<id> is that notification, not data of a new one.
  await goPub.publish(`${p}notifications:ben`, JSON.stringify({ type: 'notification', data: { title: 'New Message', message: 'You have a new message', type: 'info' }, timestamp: '2024-01-15T10:30:00Z', message_id: 'gw-2', user_id: 'ben' }));
  const n = await ben.next('notification');
  t.same(n.data, { title: 'New Message', message: 'You have a new message', type: 'info' }, 'its data, not wrapped');
  t.equal(n.message_id, 'gw-2');
  t.equal(n.timestamp, Date.parse('2024-01-15T10:30:00Z'));
  t.ok(await ben.expectNone('notification', 200), 'once');

  // And its broadcast frame on system:broadcast reaches every session as what it is.
  await goPub.publish(`${p}system:broadcast`, JSON.stringify({ type: 'notification', data: { message: 'System maintenance in 5 minutes', type: 'warning' }, timestamp: '2024-01-15T10:30:00Z', message_id: 'gw-3' }));
  for (const c of [ana, ben]) {
    const b = await c.next((f) => f.message_id === 'gw-3');
    t.same({ type: b.type, data: b.data }, { type: 'notification', data: { message: 'System maintenance in 5 minutes', type: 'warning' } });
  }
});
