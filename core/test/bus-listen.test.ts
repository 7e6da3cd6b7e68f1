/**
 * Server-side listeners (`bus.listen`): an instance hears every message of a `$` server topic,
 * published on it or delivered by the broker from another; the broker carries the topic while
 * someone listens; a listener that throws does not stop the others or the fan-out.
 */
import t from 'tap';
import { definePlugin, type PluginContext } from '../src/index.js';
import { startTestServer } from '@actorwire/testing';
import { TestBroker, brokerPlugin } from './fixtures/plugins.js';

t.test('a listener hears local and remote messages of its server topic, and only while it listens', async (t) => {
  const broker = new TestBroker();
  let ctx!: PluginContext;
  const heard: string[] = [];
  const failures: string[] = [];
  let stopEarly!: () => void;
  const listener = definePlugin({
    name: 'listener', version: '1.0.0', kernel: '^0.2.0',
    register(c) {
      ctx = c;
      // Before start: the broker learns of the topic once it runs.
      stopEarly = c.bus.listen('$test:notices', (p) => void heard.push(`early ${p}`));
      c.bus.listen('$test:notices', () => { failures.push('threw'); throw new Error('listener bug'); });
    },
  });
  const srv = await startTestServer({ plugins: [brokerPlugin(broker), listener] });
  t.teardown(() => srv.stop());
  t.ok(broker.active.includes('$test:notices'), 'the broker carries the listened topic once it runs');

  const late = ctx.bus.listen('$test:notices', (p) => void heard.push(`late ${p}`));
  ctx.bus.publishRaw('$test:notices', '{"type":"n","n":1}');
  broker.deliverRemote!('$test:notices', '{"type":"n","n":2}');
  t.same(heard, ['early {"type":"n","n":1}', 'late {"type":"n","n":1}', 'early {"type":"n","n":2}', 'late {"type":"n","n":2}'], 'local publishes and broker deliveries, in order, to every listener');
  t.equal(failures.length, 2, 'the throwing listener ran each time, and did not stop the ones after it');
  t.equal(broker.published.filter((m) => m.topic === '$test:notices').length, 1, 'a local publish goes to the broker too');

  stopEarly();
  late();
  t.same(broker.inactive, [], 'still listened to (by the throwing listener): the broker keeps it');
  ctx.bus.publishRaw('$test:notices', '{"type":"n","n":3}');
  t.equal(heard.length, 4, 'stopped listeners hear nothing more');

  t.throws(() => ctx.bus.listen('room-1', () => {}), /not a server topic/, 'a topic sessions could join is refused');
  t.throws(() => ctx.bus.listen('$broadcast', () => {}), /not a server topic/, 'so is the broadcast topic');
});

t.test('the last listener leaving makes the topic inactive', async (t) => {
  const broker = new TestBroker();
  let ctx!: PluginContext;
  const p = definePlugin({ name: 'p', version: '1.0.0', kernel: '^0.2.0', register(c) { ctx = c; } });
  const srv = await startTestServer({ plugins: [brokerPlugin(broker), p] });
  t.teardown(() => srv.stop());
  const a = ctx.bus.listen('$x', () => {});
  const b = ctx.bus.listen('$x', () => {});
  t.same(broker.active.filter((x) => x === '$x'), ['$x'], 'active once');
  a();
  a();
  t.same(broker.inactive, [], 'one listener left');
  b();
  t.same(broker.inactive, ['$x'], 'inactive once the last listener leaves');
});
