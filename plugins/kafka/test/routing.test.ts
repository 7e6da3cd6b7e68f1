/** KAFKA_BROKERS: records on mapped topics reach the right room and user; plugin handlers are called. */
import t from 'tap';
import { definePlugin } from '@actorwire/core';
import type { KafkaRecord } from '../src/index.js';
import { consuming, createTopics, produce, server, unique, until, user } from './support.js';

t.test('WS_ENTITY_TOPICS route: room from a template, user from a header; registered handler gets the decoded record', async (t) => {
  const orders = unique('orders.events');
  const audit = unique('audit');
  await createTopics(orders, audit);
  const seen: KafkaRecord[] = [];
  const auditor = definePlugin({
    name: 'auditor',
    version: '1.0.0',
    kernel: '^0.2.0',
    dependsOn: ['kafka'],
    register(ctx) {
      ctx.services.get('kafkaHandlers').register(audit, (rec) => {
        seen.push(rec);
      });
    },
  });
  const srv = await server({ entityTopics: [`orders:${orders}`], roomTemplate: 'order-{value.order_id}' }, [auditor]);
  t.teardown(() => srv.stop());
  const owner = await user(srv, '42');
  const stranger = await user(srv, '7');
  t.equal((await owner.request({ type: 'subscribe', room: 'order-42' })).type, 'subscribed');
  await consuming(srv);

  await produce(orders, [{ key: '42', value: { order_id: 42, event: 'order.paid', data: { total: 10 } } }]);
  const n = await owner.next('notification', 20_000);
  t.same({ event: n.event, data: n.data }, { event: 'order.paid', data: { total: 10 } }, 'room from order-{value.order_id}');
  t.ok(await stranger.expectNone('notification', 300), 'nobody else');

  await produce(orders, [{ value: { status: 'shipped' }, headers: { 'ws-user': '7', 'ws-event': 'order.shipped' } }]);
  const u = await stranger.next('notification', 20_000);
  t.same({ event: u.event, data: u.data }, { event: 'order.shipped', data: { status: 'shipped' } }, 'user from the ws-user header');

  await produce(audit, [{ key: 'k1', value: { a: 1 }, headers: { source: 'test' } }]);
  await until(() => seen.length === 1, 20_000, 'audit handler called');
  t.match(seen[0], { topic: audit, partition: 0, key: 'k1', headers: { source: 'test' }, value: { a: 1 } });
  t.type(seen[0]!.offset, 'string');
});
