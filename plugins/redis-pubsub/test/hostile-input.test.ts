/**
 * Hostile Redis messages (anyone who can PUBLISH on the deployment's Redis): a 100,000-deep JSON
 * array on a room channel or a user channel, oversize payloads, envelopes whose payload is not a
 * frame. Each is refused and counted (`actorwire_inputs_refused{source="redis"}`), the instance
 * stays up, and the session in the room keeps its connection and receives the next valid message.
 */
import t from 'tap';
import { Redis } from 'ioredis';
import { REDIS_URL, http, instance, uniquePrefix, untilSubscribers, user } from './support.js';

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

async function refusedCount(base: string, reason: string): Promise<number> {
  const res = await http(base, 'GET', '/metrics');
  const line = String(res.body).split('\n').find((l) => l.startsWith('actorwire_inputs_refused') && l.includes('source="redis"') && l.includes(`reason="${reason}"`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

t.test('interop: a 100,000-deep array on a room channel and on a user channel is refused; the instance and the session live on', async (t) => {
  const p = uniquePrefix();
  const srv = await instance({ url: REDIS_URL, keyPrefix: p, interop: true, interopUserPrefix: `${p}notifications:`, interopEventsPrefix: `${p}events:`, interopBroadcastChannel: `${p}system:broadcast` });
  t.teardown(() => srv.stop());
  const ana = await user(srv, 'ana');
  await ana.request({ type: 'subscribe', room: 'chat' });
  await untilSubscribers(REDIS_URL, `${p}room:chat`, 1);
  await untilSubscribers(REDIS_URL, `${p}notifications:ana`, 1);
  const pub = new Redis(REDIS_URL);
  t.teardown(() => pub.disconnect());

  await pub.publish(`${p}room:chat`, deep(100_000));
  await pub.publish(`${p}notifications:ana`, deep(100_000));
  await pub.publish(`${p}room:chat`, deep(5_000));
  await pub.publish(`${p}room:chat`, JSON.stringify({ text: 'after' }));
  const m = await ana.next('message');
  t.same(m.data, { text: 'after' }, 'the next valid message arrives');
  t.equal(ana.closeCode, undefined, "the session was not dropped");
  t.equal(await refusedCount(srv.httpBase, 'too_deep'), 3, 'three refusals counted as too_deep');
  const health = await http(srv.httpBase, 'GET', '/health');
  t.equal(health.status, 200, '/health answers');
});

t.test('native envelope: oversize, deep, non-object and type-less payloads are refused; a valid one is delivered', async (t) => {
  const p = uniquePrefix();
  const srv = await instance({ url: REDIS_URL, keyPrefix: p, maxMessageSize: 4096 });
  t.teardown(() => srv.stop());
  const ana = await user(srv, 'ana');
  await ana.request({ type: 'subscribe', room: 'chat' });
  await untilSubscribers(REDIS_URL, `${p}room:chat`, 1);
  const pub = new Redis(REDIS_URL);
  t.teardown(() => pub.disconnect());
  const env = (payload: string) => `w1||other-instance\n${payload}`;

  await pub.publish(`${p}room:chat`, env(`{"type":"message","data":${deep(1_000)}}`));
  await pub.publish(`${p}room:chat`, env(JSON.stringify({ type: 'message', data: 'x'.repeat(10_000) })));
  await pub.publish(`${p}room:chat`, env('[1,2,3]'));
  await pub.publish(`${p}room:chat`, env('{"data":1}'));
  await pub.publish(`${p}room:chat`, env('{"type":"message",'));
  await pub.publish(`${p}room:chat`, 'not an envelope');
  await pub.publish(`${p}room:chat`, env(JSON.stringify({ type: 'message', room: 'chat', data: 'ok' })));
  const m = await ana.next('message');
  t.equal(m.data, 'ok', 'only the valid frame reaches the session');
  t.equal(await refusedCount(srv.httpBase, 'too_deep'), 1);
  t.equal(await refusedCount(srv.httpBase, 'too_large'), 1);
  t.equal(await refusedCount(srv.httpBase, 'not_object'), 1);
  t.equal(await refusedCount(srv.httpBase, 'bad_shape'), 2, 'no type; not an envelope');
  t.equal(await refusedCount(srv.httpBase, 'invalid_json'), 1);
  t.equal(ana.closeCode, undefined);
});
