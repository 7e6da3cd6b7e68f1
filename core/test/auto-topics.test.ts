import t from 'tap';
import { definePlugin } from '../src/index.js';
import { startTestServer } from '@actorwire/testing';
import { headerAuth } from './fixtures/plugins.js';

// A route whose sessions join `order-{id}` automatically, and a message that publishes to a topic.
const orders = definePlugin({
  name: 'orders-route',
  version: '1.0.0',
  kernel: '^0.2.0',
  dependsOn: ['header-auth'],
  register(ctx) {
    ctx.routes.ws('/ws/orders/:id', { autoTopics: ['order-{id}'] });
    ctx.messages.define<{ type: 'poke'; topic: string }>('poke', {
      schema: { type: 'object', required: ['topic'], properties: { topic: { type: 'string' } } },
      handle({ message, reply }) {
        ctx.bus.publish(message.topic, { type: 'poked', data: { topic: message.topic } });
        reply({ type: 'poke_sent' });
      },
    });
  },
});

t.test('autoTopics: joined at open when authenticated at upgrade, and at first authentication otherwise', async (t) => {
  const srv = await startTestServer({ plugins: [headerAuth, orders] });
  t.teardown(() => srv.stop());

  const early = await srv.connect('/ws/orders/7', { headers: { 'x-user': 'alice' } });
  const late = await srv.connect('/ws/orders/7');
  const other = await srv.connect('/ws/orders/8', { headers: { 'x-user': 'carol' } });

  // Not authenticated yet: `late` must not receive the order's traffic.
  await early.request({ type: 'poke', topic: 'order-7' });
  t.equal((await early.next('poked')).data.topic, 'order-7', 'authenticated at upgrade → joined at open');
  t.ok(await late.expectNone('poked', 300), 'not delivered before authentication');

  t.equal((await late.request({ type: 'login', user: 'bob' })).type, 'logged_in');
  await early.request({ type: 'poke', topic: 'order-7' });
  t.equal((await early.next('poked')).data.topic, 'order-7');
  t.equal((await late.next('poked')).data.topic, 'order-7', 'joined when it authenticated');
  t.ok(await other.expectNone('poked', 300), 'another order\'s session gets nothing');

  // A refresh (same user) does not join twice: exactly one delivery per publish.
  await late.request({ type: 'login', user: 'bob' });
  await early.request({ type: 'poke', topic: 'order-7' });
  await late.next('poked');
  t.ok(await late.expectNone('poked', 300), 'one delivery per publish after a refresh');
});
