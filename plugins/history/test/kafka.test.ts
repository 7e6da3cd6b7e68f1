/** A Kafka record delivered to a history room (real broker, KAFKA_BROKERS; real Redis, REDIS_URL) while a client was away is recovered. */
import { randomBytes } from 'node:crypto';
import t from 'tap';
import { Kafka, logLevel } from 'kafkajs';
import kafkaPlugin from '@actorwire/plugin-kafka';
import { REDIS_URL, healthy, instance, messagesOf, uniquePrefix, until, user } from './support.js';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const kafka = new Kafka({ clientId: 'actorwire-history-tests', brokers: BROKERS, logLevel: logLevel.NOTHING });

t.test('Kafka records go through the history: numbered, and recovered after a reconnect', async (t) => {
  const topic = `orders.${randomBytes(4).toString('hex')}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
  await admin.disconnect();
  const srv = await instance({ url: REDIS_URL, keyPrefix: uniquePrefix() }, {}, [
    [kafkaPlugin, { brokers: BROKERS, groupId: `g-${randomBytes(4).toString('hex')}`, fromBeginning: true, retryBackoff: 50, entityTopics: [`orders:${topic}`], roomTemplate: 'order-{value.order_id}' }],
  ]);
  t.teardown(() => srv.stop());
  await healthy(srv);
  await until(async () => {
    const body = (await fetch(`${srv.httpBase}/health`, { headers: { connection: 'close' } }).then((r) => r.json())) as any;
    return body.components.kafka?.state === 'consuming';
  }, 30_000, 'kafka consuming');

  const producer = kafka.producer();
  await producer.connect();
  t.teardown(() => producer.disconnect());
  const send = (n: number) => producer.send({ topic, acks: -1, messages: [{ value: JSON.stringify({ order_id: 7, event: 'order.updated', data: { n } }) }] });

  const owner = await user(srv, '7');
  const sub = await owner.request({ type: 'subscribe', room: 'order-7' });
  await send(0);
  const first = await owner.next((f) => f.type === 'notification' && f.data?.n === 0, 15_000);
  t.equal(first.offset, 1, 'the record\'s notification is numbered by the history');
  t.equal(first.epoch, sub.data.epoch);
  await owner.close();

  for (let n = 1; n <= 5; n++) await send(n);
  // Wait until the records were delivered into the history (another member sees them live).
  const watcher = await user(srv, 'root', 'admin');
  await watcher.request({ type: 'subscribe', room: 'order-7' });
  await until(async () => (await watcher.request({ type: 'history', room: 'order-7', reverse: true, limit: 1 })).data.offset === 6, 20_000, 'the five records kept');

  const back = await user(srv, '7');
  const again = await back.request({ type: 'subscribe', room: 'order-7', since: { offset: 1, epoch: sub.data.epoch } });
  t.equal(again.data.recovered, true);
  const missed = back.history.filter((f) => f.type === 'notification' && f.room === 'order-7');
  t.same(missed.map((f) => f.data.n), [1, 2, 3, 4, 5], 'the records published while away, in order');
  t.same(missed.map((f) => f.offset), [2, 3, 4, 5, 6]);
  t.equal(messagesOf(back, 'order-7').length, 0);
});
