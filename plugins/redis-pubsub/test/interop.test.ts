/**
 * REDIS_INTEROP: the Go services' channels with plain JSON. An external `redis-cli PUBLISH` on
 * each channel reaches the right sessions; what Actorwire publishes is plain JSON on those
 * channels; two Actorwire instances in interop mode deliver exactly once (no echo) — in both
 * subscribe modes.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { Redis } from 'ioredis';
import { REDIS_URL, http, instance, jwt, uniquePrefix, until, untilSubscribers, user } from './support.js';

const run = promisify(execFile);
const cliPublish = (channel: string, payload: string) => run('redis-cli', ['-u', REDIS_URL, 'PUBLISH', channel, payload]);

/** Interop channel names of their own per test (the defaults are notifications:, events:, system:broadcast). */
function names() {
  const p = uniquePrefix();
  return {
    keyPrefix: p,
    interop: true,
    interopEventsPrefix: `${p}events:`,
    interopUserPrefix: `${p}notifications:`,
    interopBroadcastChannel: `${p}system:broadcast`,
  };
}

async function receiving(mode: 'topics' | 'pattern', channel: string, n: number): Promise<void> {
  if (mode === 'topics') return untilSubscribers(REDIS_URL, channel, n);
  await until(async () => {
    const c = new Redis(REDIS_URL);
    try {
      return String(await c.client('LIST')).split('\n').filter((l) => l.includes('name=actorwire-sub') && / psub=4 /.test(l)).length >= n;
    } finally {
      c.disconnect();
    }
  }, 5000, `interop pattern subscriptions of ${n} instances`);
}

for (const mode of ['topics', 'pattern'] as const) {
  t.test(`${mode}: redis-cli PUBLISH of plain JSON on every interop channel reaches the right sessions`, async (t) => {
    const n = names();
    const srv = await instance({ url: REDIS_URL, mode, ...n });
    t.teardown(() => srv.stop());
    const ana = await user(srv, 'ana');
    const ben = await user(srv, 'ben');
    await ana.request({ type: 'subscribe', room: 'chat' });
    await ben.request({ type: 'subscribe', room: 'user_events' });
    await receiving(mode, `${n.keyPrefix}room:chat`, 1);
    if (mode === 'topics') {
      await untilSubscribers(REDIS_URL, `${n.interopEventsPrefix}user_events`, 1);
      await untilSubscribers(REDIS_URL, `${n.interopUserPrefix}ana`, 1);
      await untilSubscribers(REDIS_URL, n.interopBroadcastChannel, 1);
    }

    // The realtime service's envelope on ws:room:<room>.
    await cliPublish(`${n.keyPrefix}room:chat`, JSON.stringify({ from: 'go-client-7', room: 'chat', ts: '2024-01-15T10:30:00Z', body: { text: 'hola' } }));
    const env = await ana.next('message');
    t.same({ room: env.room, data: env.data, user_id: env.user_id, timestamp: env.timestamp }, { room: 'chat', data: { text: 'hola' }, user_id: 'go-client-7', timestamp: Date.parse('2024-01-15T10:30:00Z') }, 'envelope → message');
    t.type(env.message_id, 'string');
    t.ok(await ben.expectNone('message', 100), 'only the room\'s members');

    // Any JSON (and text) on a room channel is the data of a message.
    await cliPublish(`${n.keyPrefix}room:chat`, '{"price":12.5}');
    t.same((await ana.next('message')).data, { price: 12.5 });
    await cliPublish(`${n.keyPrefix}room:chat`, 'plain text');
    t.equal((await ana.next('message')).data, 'plain text');

    // The API gateway's events:<type> reach the room <type>.
    await cliPublish(`${n.interopEventsPrefix}user_events`, JSON.stringify({ action: 'user_login', user_id: 'user123' }));
    const ev = await ben.next('message');
    t.same({ room: ev.room, data: ev.data }, { room: 'user_events', data: { action: 'user_login', user_id: 'user123' } });

    // notifications:<user_id> reach every connection of that user.
    const ana2 = await user(srv, 'ana');
    if (mode === 'topics') await untilSubscribers(REDIS_URL, `${n.interopUserPrefix}ana`, 1);
    await cliPublish(`${n.interopUserPrefix}ana`, JSON.stringify({ title: 'New Message', message: 'You have a new message', type: 'info' }));
    for (const c of [ana, ana2]) {
      const note = await c.next('notification');
      t.same({ event: note.event, data: note.data, user_id: note.user_id }, { event: 'notification', data: { title: 'New Message', message: 'You have a new message', type: 'info' }, user_id: 'ana' });
    }
    t.ok(await ben.expectNone('notification', 100), 'not other users');
    await cliPublish(`${n.interopUserPrefix}ana`, JSON.stringify({ event: 'order_created', data: { id: 456 } }));
    t.same(await ana.next('notification').then((f) => [f.event, f.data]), ['order_created', { id: 456 }], '{event, data} keeps its event name');

    // system:broadcast reaches everyone.
    await cliPublish(n.interopBroadcastChannel, JSON.stringify({ message: 'System maintenance in 5 minutes', type: 'warning' }));
    for (const c of [ana, ana2, ben]) {
      const b = await c.next('message');
      t.same(b.data, { message: 'System maintenance in 5 minutes', type: 'warning' });
      t.equal(b.room, undefined, 'a broadcast has no room');
    }

    // An Actorwire frame published by another service is delivered as it is.
    const frame = { type: 'message', room: 'chat', data: 'as is', message_id: 'ext-1', timestamp: 1700000000000, extra: true };
    await cliPublish(`${n.keyPrefix}room:chat`, JSON.stringify(frame));
    t.same(await ana.next('message'), frame);
  });

  t.test(`${mode}: what Actorwire publishes is plain JSON on the interop channels, and two interop instances deliver exactly once`, async (t) => {
    const n = names();
    const a = await instance({ url: REDIS_URL, mode, ...n });
    const b = await instance({ url: REDIS_URL, mode, ...n });
    t.teardown(async () => { await a.stop(); await b.stop(); });
    const outside = new Redis(REDIS_URL);
    t.teardown(() => outside.disconnect());
    const seen: Array<[string, string]> = [];
    outside.on('message', (channel: string, msg: string) => seen.push([channel, msg]));
    await outside.subscribe(`${n.keyPrefix}room:chat`, `${n.interopUserPrefix}dana`, n.interopBroadcastChannel);

    const onA = await user(a, 'alice');
    const onB = await user(b, 'bob');
    const dana = await user(b, 'dana');
    await onA.request({ type: 'subscribe', room: 'chat' });
    await onB.request({ type: 'subscribe', room: 'chat' });
    await receiving(mode, `${n.keyPrefix}room:chat`, mode === 'topics' ? 3 : 2);

    onA.send({ type: 'publish', room: 'chat', data: { message: 'Hello!' } });
    const gotB = await onB.next('message');
    const gotA = await onA.next('message');
    t.same(gotB.data, { message: 'Hello!' });
    t.equal(gotA.message_id, gotB.message_id, 'the same frame on both instances');
    t.ok(await onA.expectNone('message', 300), 'no echo on the publisher\'s instance');
    t.ok(await onB.expectNone('message', 10), 'exactly once on the other');
    await until(async () => seen.some(([c]) => c === `${n.keyPrefix}room:chat`), 3000, 'the outside subscriber got the room message');
    const [, text] = seen.find(([c]) => c === `${n.keyPrefix}room:chat`)!;
    t.same(JSON.parse(text), gotA, 'plain JSON: the frame as clients receive it, no envelope header');

    if (mode === 'topics') await untilSubscribers(REDIS_URL, `${n.interopUserPrefix}dana`, 2);
    const res = await http(a.httpBase, 'POST', '/api/notify', { token: await jwt({ sub: 'svc', role: 'service' }), body: { event: 'order.shipped', data: { id: 9 }, user_id: 'dana' } });
    t.equal(res.status, 202);
    const note = await dana.next('notification');
    t.same([note.event, note.data], ['order.shipped', { id: 9 }], 'notify on A reached dana on B through notifications:dana');
    t.ok(await dana.expectNone('notification', 300), 'once');
    await until(async () => seen.some(([c]) => c === `${n.interopUserPrefix}dana`), 3000, 'published on notifications:dana');

    const admin = await user(a, 'root', 'admin');
    if (mode === 'topics') await untilSubscribers(REDIS_URL, n.interopBroadcastChannel, 3);
    admin.send({ type: 'broadcast', data: { maintenance: true } });
    t.same((await onB.next('message')).data, { maintenance: true }, 'broadcast crossed on system:broadcast');
    t.ok(await onB.expectNone('message', 300), 'once');
    await until(async () => seen.some(([c]) => c === n.interopBroadcastChannel), 3000, 'published on system:broadcast');
  });
}
