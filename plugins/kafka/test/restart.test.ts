/** KAFKA_BROKERS: a restarted server resumes from the committed offset — nothing lost, nothing twice. */
import t from 'tap';
import { definePlugin } from '@actorwire/core';
import type {} from '../src/index.js';
import { consuming, createTopics, produce, server, unique, until } from './support.js';

t.test('records produced while Actorwire was down are processed after it comes back', async (t) => {
  const topic = unique('ledger');
  const groupId = unique('group');
  await createTopics(topic);
  const processed: string[] = [];
  const ledger = definePlugin({
    name: 'ledger',
    version: '1.0.0',
    kernel: '^0.2.0',
    dependsOn: ['kafka'],
    register(ctx) {
      ctx.services.get('kafkaHandlers').register(topic, (rec) => {
        processed.push((rec.value as { n: string }).n);
      });
    },
  });

  const first = await server({ groupId }, [ledger]);
  await consuming(first);
  await produce(topic, [{ value: { n: 'a' } }, { value: { n: 'b' } }]);
  await until(() => processed.length === 2, 20_000, 'a and b processed');
  await first.stop();

  await produce(topic, [{ value: { n: 'c' } }, { value: { n: 'd' } }, { value: { n: 'e' } }]);

  const second = await server({ groupId }, [ledger]);
  t.teardown(() => second.stop());
  await until(() => processed.length >= 5, 30_000, 'c, d, e processed after the restart');
  // A sentinel instead of a pause: one partition keeps order, so a record delivered twice would
  // show up before the sentinel does.
  await produce(topic, [{ value: { n: 'end' } }]);
  await until(() => processed.includes('end'), 20_000, 'the sentinel processed');
  t.same(processed, ['a', 'b', 'c', 'd', 'e', 'end'], 'in order, each once: resumed from the committed offset');
});
