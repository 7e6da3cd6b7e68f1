/** KAFKA_BROKERS: at-least-once processing — retries, the dead-letter topic, no stuck partition. */
import t from 'tap';
import { definePlugin } from '@actorwire/core';
import type {} from '../src/index.js';
import { consuming, createTopics, produce, readTopic, server, unique, user } from './support.js';

t.test('a handler that fails twice then succeeds is retried; the record reaches sockets once', async (t) => {
  const topic = unique('flaky');
  await createTopics(topic);
  const attempts: number[] = [];
  const flaky = definePlugin({
    name: 'flaky',
    version: '1.0.0',
    kernel: '^0.2.0',
    dependsOn: ['kafka'],
    register(ctx) {
      ctx.services.get('kafkaHandlers').register(topic, async (rec, { notifier, attempt }) => {
        attempts.push(attempt);
        if (attempt <= 2) throw new Error(`transient failure ${attempt}`);
        await notifier!.toUser('ana', 'stock.changed', rec.value);
      });
    },
  });
  const srv = await server({ maxAttempts: 5 }, [flaky]);
  t.teardown(() => srv.stop());
  const ana = await user(srv, 'ana');
  await consuming(srv);
  await produce(topic, [{ value: { sku: 'x', qty: 3 } }]);
  const n = await ana.next('notification', 20_000);
  t.same(n.data, { sku: 'x', qty: 3 });
  t.same(attempts, [1, 2, 3], 'two failures, then success');
  t.ok(await ana.expectNone('notification', 1000), 'delivered exactly once');
});

t.test('a poison record goes to the dead-letter topic with its reason, and the partition keeps flowing', async (t) => {
  const topic = unique('entity');
  const dlq = unique('dlq');
  await createTopics(topic, dlq);
  const srv = await server({ entityTopics: [`things:${topic}`], userTemplate: '{value.user_id}', dlqTopic: dlq, maxAttempts: 2 });
  t.teardown(() => srv.stop());
  const bo = await user(srv, 'bo');
  await consuming(srv);

  await produce(topic, [
    { key: 'bad', value: '{not json' },
    { key: 'nowhere', value: { hello: 'no user_id, no header' } },
    { key: 'good', value: { user_id: 'bo', event: 'thing.created', data: { id: 1 } } },
  ]);
  const n = await bo.next('notification', 20_000);
  t.same({ event: n.event, data: n.data }, { event: 'thing.created', data: { id: 1 } }, 'the record after the poison ones is delivered');

  const dead = await readTopic(dlq, 2);
  const byKeyReason = dead.map((d) => d.headers['x-dlq-reason']);
  t.match(byKeyReason[0], /^malformed JSON/, 'bad JSON: reason says so');
  t.match(byKeyReason[1], /^no route/, 'unroutable record: reason says so');
  t.equal(dead[0]!.value, '{not json', 'the original bytes are kept');
  t.equal(dead[0]!.headers['x-dlq-topic'], topic);
  t.equal(dead[0]!.headers['x-dlq-offset'], '0');
  const health = await (await fetch(`${srv.httpBase}/health`, { headers: { connection: 'close' } })).json() as any;
  t.equal(health.components.kafka.state, 'consuming');
});
