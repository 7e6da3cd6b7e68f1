/**
 * History in Redis reads back what Redis holds: a message published on a room's history channel
 * or an entry written into its stream by someone else with access to Redis passes the input
 * guard. A 100,000-deep array on the channel (delivered to a compact-dialect session, whose
 * encoder would re-serialize it) is refused and counted; a foreign stream entry makes a recovery
 * answer recovered:false, never wrong data; the session keeps receiving.
 */
import t from 'tap';
import { Redis } from 'ioredis';
import dialects from '@actorwire/plugin-dialects';
import { REDIS_URL, healthy, instance, jwt, uniquePrefix, until } from './support.js';

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

t.test('a deep payload on the history channel and a foreign stream entry: refused, counted, never delivered', async (t) => {
  const keyPrefix = uniquePrefix();
  const a = await instance({ url: REDIS_URL, keyPrefix }, {}, [dialects]);
  t.teardown(() => a.stop());
  await healthy(a);
  const light = await a.connect(`/ws?dialect=compact&token=${await jwt({ sub: 'light' })}`);
  const sub = await light.request({ type: 'subscribe', room: 'chat-h' });
  t.equal(sub.type, 'subscribed');
  const redis = new Redis(REDIS_URL);
  t.teardown(() => redis.disconnect());
  const channel = `${keyPrefix}history:{chat-h}`;
  await until(async () => Number(((await redis.pubsub('NUMSUB', channel)) as Array<string | number>)[1]) >= 1, 5000, 'history channel subscribed');

  await redis.publish(channel, `{"type":"message","room":"chat-h","data":${deep(5_000)}}`);
  await redis.publish(channel, '{"type":"message","room":"chat-h","data":"no end"');
  const pub = await a.connect(`/ws?token=${await jwt({ sub: 'pub' })}`);
  await pub.request({ type: 'subscribe', room: 'chat-h' });
  pub.send({ type: 'publish', room: 'chat-h', data: 'valid' });
  const m = await light.next((f) => JSON.stringify(f).includes('valid'), 5000);
  t.ok(m, 'the next valid message reaches the compact session');
  t.equal(light.closeCode, undefined, 'the session is open');
  const metrics = await (await fetch(`${a.httpBase}/metrics`, { headers: { connection: 'close' } })).text();
  t.match(metrics, /actorwire_inputs_refused[^\n]*source="redis-history"[^\n]*reason="too_deep"[^\n]* 1/, 'the deep payload was refused and counted');
  t.match(metrics, /actorwire_inputs_refused[^\n]*source="redis-history"[^\n]*reason="bad_shape"[^\n]* 1/, 'the truncated one too');

  // A foreign entry in the room's stream: recovering through it is recovered:false.
  // As the append script numbers them: the next offset in the meta, entry id `<offset>-0`.
  const offset = await redis.hincrby(`${channel}:m`, 'o', 1);
  await redis.xadd(`${channel}:s`, `${offset}-0`, 't', String(Date.now()), 'p', deep(1000));
  const late = await a.connect(`/ws?token=${await jwt({ sub: 'late' })}`);
  const r = await late.request({ type: 'subscribe', room: 'chat-h', since: { offset: 0, epoch: sub.data.epoch } });
  t.equal(r.data?.recovered, false, `not recovered from a stream holding a foreign entry (${JSON.stringify(r)})`);
  t.notOk(late.history.some((f) => f.type === 'message' && f.room === 'chat-h'), 'and nothing of it was resent');
});
