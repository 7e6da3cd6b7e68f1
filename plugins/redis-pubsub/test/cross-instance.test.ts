/**
 * Two Actorwire instances sharing a Redis (REDIS_URL): one room space, exactly once, no echo —
 * rooms, users, notify, broadcast and notify-broadcast, in every subscribe mode.
 */
import t from 'tap';
import { Redis } from 'ioredis';
import { REDIS_URL, http, instance, jwt, uniquePrefix, until, untilSubscribers, user } from './support.js';

const MODES = ['topics', 'pattern'] as const;
type Mode = (typeof MODES)[number];

/** Both instances receive `channel`: n SUBSCRIBErs in `topics` mode; n connections holding their 3 patterns in `pattern` mode. */
async function receiving(mode: Mode, channel: string, n: number): Promise<void> {
  if (mode === 'topics') return untilSubscribers(REDIS_URL, channel, n);
  await until(async () => {
    const c = new Redis(REDIS_URL);
    try {
      const list = String(await c.client('LIST'));
      return list.split('\n').filter((l) => l.includes('name=actorwire-sub') && / psub=3 /.test(l)).length >= n;
    } finally {
      c.disconnect();
    }
  }, 5000, `pattern subscriptions of ${n} instances`);
}

for (const mode of MODES) {

t.test(`${mode}: room delivery across instances exactly once; counts and presence aggregated`, async (t) => {
  const keyPrefix = uniquePrefix();
  const a = await instance({ url: REDIS_URL, keyPrefix, mode });
  const b = await instance({ url: REDIS_URL, keyPrefix, mode });
  t.teardown(async () => { await a.stop(); await b.stop(); });

  const onA = await user(a, 'alice');
  const onB = await user(b, 'bob');
  t.equal((await onA.request({ type: 'subscribe', room: 'chat' })).data.client_count, 1);
  if (mode === 'topics') await untilSubscribers(REDIS_URL, `${keyPrefix}room:chat`, 1);
  await until(async () => (await onB.request({ type: 'subscribe', room: 'chat' })).data.client_count === 2, 3000, 'B sees both members').catch(() => undefined);
  await receiving(mode, `${keyPrefix}room:chat`, 2);

  onA.send({ type: 'publish', room: 'chat', data: { message: 'Hello!' } });
  const gotB = await onB.next('message');
  const gotA = await onA.next('message');
  t.same(gotB.data, { message: 'Hello!' }, 'delivered on the other instance');
  t.equal(gotB.user_id, 'alice');
  t.equal(gotA.message_id, gotB.message_id, 'same message on both instances');
  t.ok(await onA.expectNone('message', 400), 'the publisher\'s instance does not get its own message back (no echo)');
  t.ok(await onB.expectNone('message', 10), 'exactly once on B');

  // Aggregated views: a third member on B, counted from A.
  const carol = await user(b, 'carol');
  t.equal((await carol.request({ type: 'subscribe', room: 'chat' })).data.client_count, 3, 'subscribed.client_count is cluster-wide');
  await until(async () => (await onA.request({ type: 'presence', room: 'chat' })).data.client_count === 3, 3000, 'presence from A counts B');
  const p = await onA.request({ type: 'presence', room: 'chat' });
  t.same(p.data.members.map((m: { user_id: string }) => m.user_id).sort(), ['alice', 'bob', 'carol']);
  const admin = await http(a.httpBase, 'GET', '/admin/clients', { token: await jwt({ sub: 'ops', role: 'admin' }) });
  t.equal(admin.body.rooms.chat, 3, '/admin/clients on A counts members on B');
  t.ok(admin.body.clients >= 3);

  await carol.close();
  await until(async () => (await onA.request({ type: 'presence', room: 'chat' })).data.client_count === 2, 3000, 'a leave on B is seen from A');
  t.pass('leave propagated');
});

t.test(`${mode}: user channels, sendToUser and POST /api/notify reach a user on another instance`, async (t) => {
  const keyPrefix = uniquePrefix();
  const a = await instance({ url: REDIS_URL, keyPrefix, mode });
  const b = await instance({ url: REDIS_URL, keyPrefix, mode });
  t.teardown(async () => { await a.stop(); await b.stop(); });
  const tab1 = await user(b, 'dana');
  const tab2 = await user(a, 'dana');
  await receiving(mode, `${keyPrefix}user:dana`, 2);

  const res = await http(a.httpBase, 'POST', '/api/notify', { token: await jwt({ sub: 'svc', role: 'service' }), body: { event: 'order.shipped', data: { id: 9 }, user_id: 'dana' } });
  t.equal(res.status, 202);
  for (const tab of [tab1, tab2]) {
    const n = await tab.next('notification');
    t.same({ event: n.event, data: n.data }, { event: 'order.shipped', data: { id: 9 } });
    t.ok(await tab.expectNone('notification', 300), 'once per connection');
  }

  // Room notification from B to a room whose only member is on A.
  const watcher = await user(a, 'erin');
  await watcher.request({ type: 'subscribe', room: 'order-erin' }).catch(() => undefined);
  await watcher.request({ type: 'subscribe', room: 'news' });
  await receiving(mode, `${keyPrefix}room:news`, mode === 'topics' ? 1 : 2);
  const toRoom = await http(b.httpBase, 'POST', '/api/notify', { token: await jwt({ sub: 'svc', role: 'service' }), body: { event: 'flash', data: 1, room: 'news' } });
  t.equal(toRoom.status, 202);
  t.equal((await watcher.next('notification')).event, 'flash', 'room notification crosses instances');
});

t.test(`${mode}: a client broadcast and POST /api/notify {"broadcast":true} reach every connection on every instance`, async (t) => {
  const keyPrefix = uniquePrefix();
  const a = await instance({ url: REDIS_URL, keyPrefix, mode });
  const b = await instance({ url: REDIS_URL, keyPrefix, mode });
  t.teardown(async () => { await a.stop(); await b.stop(); });
  const admin = await user(a, 'root', 'admin');
  const near = await user(a, 'nina');
  const far = await user(b, 'frank');
  const farToo = await user(b, 'fiona');
  // Nobody joined a room: the broadcast channel alone must be received by both instances.
  await receiving(mode, `${keyPrefix}broadcast`, 2);
  admin.send({ type: 'broadcast', data: { maintenance: true } });
  for (const c of [near, far, farToo]) t.same((await c.next('message')).data, { maintenance: true }, 'client broadcast reached it');
  const res = await http(b.httpBase, 'POST', '/api/notify', { token: await jwt({ sub: 'svc', role: 'service' }), body: { event: 'deploy', data: { v: 2 }, broadcast: true } });
  t.equal(res.status, 202);
  for (const c of [admin, near, far, farToo]) t.equal((await c.next('notification')).event, 'deploy', 'notify-broadcast reached it');
  for (const c of [near, far, farToo]) t.ok(await c.expectNone((f) => f.type === 'message' || f.type === 'notification', 200), 'exactly once');
});

t.test(`${mode}: room delivery and a broadcast in one run`, async (t) => {
  const keyPrefix = uniquePrefix();
  const a = await instance({ url: REDIS_URL, keyPrefix, mode });
  const b = await instance({ url: REDIS_URL, keyPrefix, mode });
  t.teardown(async () => { await a.stop(); await b.stop(); });
  const admin = await user(a, 'root', 'admin');
  const far = await user(b, 'frank');
  await far.request({ type: 'subscribe', room: 'lobby' });
  await admin.request({ type: 'subscribe', room: 'lobby' });
  await receiving(mode, `${keyPrefix}room:lobby`, 2);
  admin.send({ type: 'broadcast', data: { maintenance: true } });
  t.same((await far.next('message')).data, { maintenance: true }, 'broadcast crossed instances');
  admin.send({ type: 'publish', room: 'lobby', data: 'in the room' });
  t.equal((await far.next('message')).data, 'in the room', 'room delivery');
  t.ok(await far.expectNone('message', 300), 'exactly once');
});
}
