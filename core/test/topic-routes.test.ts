/**
 * topics.route: a plugin takes over the publishes of matching topics (after authorization and
 * onPublish hooks), the most specific route wins, others go to the bus as before; a router's
 * rejection reaches the publisher. SubscribeOptions.beforeJoin runs right before the join and
 * can refuse it.
 */
import t from 'tap';
import { definePlugin, protocolError, type Frame, type PluginContext } from '../src/index.js';
import { startTestServer } from '../src/testing/index.js';
import { headerAuth, miniRooms } from './fixtures/plugins.js';

function routing(seen: Array<{ route: string; topic: string; frame: Frame }>, grab: (ctx: PluginContext) => void = () => {}) {
  return definePlugin({
    name: 'routing',
    version: '1.0.0',
    kernel: '^0.1.0',
    register(ctx) {
      grab(ctx);
      ctx.topics.define('locked-*', { authorizePublish: () => protocolError('FORBIDDEN', 'read only') });
      ctx.topics.route('kept-*', {
        publish(topic, frame) {
          seen.push({ route: 'kept-*', topic, frame });
          ctx.bus.publish(topic, { ...frame, numbered: seen.length });
        },
      });
      ctx.topics.route('kept-special', { publish: (topic, frame) => void seen.push({ route: 'kept-special', topic, frame }) });
      ctx.topics.route('failing-*', { publish: () => Promise.reject(protocolError('UNAVAILABLE', 'storage away')) });
      ctx.topics.route('locked-*', { publish: (topic, frame) => void seen.push({ route: 'locked-*', topic, frame }) });
      ctx.hooks.on('onPublish', (_s, topic, frame) => (topic === 'kept-vetoed' ? false : { ...frame, hooked: true }));
    },
  });
}

t.test('routed topics go to their router, the most specific route wins, others to the bus', async (t) => {
  const seen: Array<{ route: string; topic: string; frame: Frame }> = [];
  const srv = await startTestServer({ plugins: [headerAuth, miniRooms, routing(seen)] });
  t.teardown(() => srv.stop());
  const c = await srv.connect('/ws', { headers: { 'x-user': 'alice' } });
  for (const room of ['kept-1', 'kept-special', 'plain', 'failing-1', 'locked-1', 'kept-vetoed']) await c.request({ type: 'join', room });

  c.send({ type: 'say', room: 'kept-1', data: 'a' });
  const m = await c.next('message');
  t.same([m.room, m.data, m.numbered, m.hooked], ['kept-1', 'a', 1, true], 'the router delivered, after the onPublish hook');
  c.send({ type: 'say', room: 'plain', data: 'b' });
  const p = await c.next('message');
  t.same([p.room, p.numbered], ['plain', undefined], 'an unrouted topic goes to the bus');
  c.send({ type: 'say', room: 'kept-special', data: 'c' });
  await c.request({ type: 'ping' });
  t.same(seen.map((s) => s.route), ['kept-*', 'kept-special'], 'the literal route wins over the pattern');
  t.ok(await c.expectNone((f) => f.type === 'message' && f.data === 'c'), 'and it chose not to deliver');

  const failed = await c.request({ type: 'say', room: 'failing-1', data: 'd' });
  t.same([failed.code, failed.error], ['UNAVAILABLE', 'storage away'], "the router's rejection reaches the publisher");
  const locked = await c.request({ type: 'say', room: 'locked-1', data: 'e' });
  t.equal(locked.code, 'FORBIDDEN', 'a route does not bypass authorization');
  c.send({ type: 'say', room: 'kept-vetoed', data: 'f' });
  await c.request({ type: 'ping' });
  t.equal(seen.length, 2, 'nor a veto');
});

t.test('routes are registered like the rest: one owner per pattern, a publish function, only while registering', async (t) => {
  let saved: PluginContext | undefined;
  const srv = await startTestServer({ plugins: [routing([], (ctx) => (saved = ctx))] });
  t.teardown(() => srv.stop());
  t.throws(() => saved!.topics.route('late-*', { publish: () => {} }), { code: 'WS_ERR_LATE_REGISTRATION' });
  const dup = definePlugin({ name: 'dup', version: '1.0.0', kernel: '^0.1.0', register: (ctx) => ctx.topics.route('kept-*', { publish: () => {} }) });
  await t.rejects(startTestServer({ plugins: [routing([]), dup] }), /routes topic pattern "kept-\*", already routed by plugin "routing"/);
  const bad = definePlugin({ name: 'bad', version: '1.0.0', kernel: '^0.1.0', register: (ctx) => ctx.topics.route('x-*', {} as never) });
  await t.rejects(startTestServer({ plugins: [bad] }), /needs a publish function/);
});

t.test('beforeJoin runs synchronously right before the join and may refuse it', async (t) => {
  let ctx!: PluginContext;
  const grab = definePlugin({ name: 'grab', version: '1.0.0', kernel: '^0.1.0', register: (c) => { ctx = c; } });
  const srv = await startTestServer({ plugins: [headerAuth, miniRooms, grab] });
  t.teardown(() => srv.stop());
  const c = await srv.connect('/ws', { headers: { 'x-user': 'alice' } });
  await c.request({ type: 'ping' });
  const session = [...(srv.kernel.container.resolve('sessions') as unknown as { all(): Iterable<import('../src/index.js').Session> }).all()][0]!;
  const order: string[] = [];
  await ctx.topics.subscribe(session, 'r1', { beforeJoin: () => { order.push(`before: member=${session.topics.has('r1')}`); session.send({ type: 'catch-up' }); } });
  order.push(`after: member=${session.topics.has('r1')}`);
  t.same(order, ['before: member=false', 'after: member=true']);
  t.equal((await c.next('catch-up')).type, 'catch-up');
  await t.rejects(ctx.topics.subscribe(session, 'r2', { beforeJoin: () => { throw protocolError('ROOM_FULL'); } }), { code: 'ROOM_FULL' });
  t.notOk(session.topics.has('r2'), 'refused: not joined');
  t.equal(ctx.topics.localCount('r2'), 0);
});
