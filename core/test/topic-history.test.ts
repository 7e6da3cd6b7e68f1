/**
 * History as a property of a topic pattern: `topics.define(pattern, { history })` makes the broker
 * number and keep publishes (after authorization and onPublish hooks), the kernel recovers what a
 * session missed inside `topics.subscribe(…, { since })`, and `topics.history` pages through it.
 * One plugin may give history to topics another authorizes. The subscribe limits are checked in
 * the synchronous step before the join. A broker's refusal reaches the publisher.
 */
import t from 'tap';
import { definePlugin, protocolError, type PluginContext, type Session } from '../src/index.js';
import { startTestServer, type TestServer } from '@actorwire/testing';
import { TestBroker, brokerPlugin, headerAuth, miniRooms } from './fixtures/plugins.js';

function keeper(grab: (ctx: PluginContext) => void = () => {}) {
  return definePlugin({
    name: 'keeper',
    version: '1.0.0',
    kernel: '^0.2.0',
    register(ctx) {
      grab(ctx);
      ctx.topics.define('kept-*', { history: { size: 3 } });
      ctx.topics.define('failing-*', { history: { size: 3 } });
      ctx.hooks.on('onPublish', (_s, topic, frame) => (topic === 'kept-vetoed' ? false : { ...frame, hooked: true }));
    },
  });
}

const guard = definePlugin({
  name: 'guard',
  version: '1.0.0',
  kernel: '^0.2.0',
  // The same pattern as the keeper's, for authorization only: the two definitions do not overlap.
  register: (ctx) => ctx.topics.define('kept-*', { authorizePublish: ({ topic }) => (topic === 'kept-locked' ? protocolError('FORBIDDEN', 'read only') : true) }),
});

async function server(t: { teardown(fn: () => unknown): void }, broker = new TestBroker(), grab?: (ctx: PluginContext) => void): Promise<TestServer> {
  const srv = await startTestServer({ plugins: [brokerPlugin(broker), headerAuth, miniRooms, keeper(grab), guard] });
  t.teardown(() => srv.stop());
  return srv;
}

const user = (srv: TestServer, name: string) => srv.connect('/ws', { headers: { 'x-user': name } });

t.test('publishes to topics with history are numbered after authorization and hooks; others are not', async (t) => {
  const srv = await server(t);
  const c = await user(srv, 'alice');
  for (const room of ['kept-1', 'plain', 'kept-locked', 'kept-vetoed']) await c.request({ type: 'join', room });
  for (const data of ['a', 'b']) c.send({ type: 'say', room: 'kept-1', data });
  const [a, b] = [await c.next('message'), await c.next('message')];
  t.same([a.offset, b.offset, a.epoch === b.epoch, a.hooked], [1, 2, true, true], 'numbered in order, one epoch, after the onPublish hook');
  t.match(a.epoch, /^[0-9a-f]{12}$/);
  c.send({ type: 'say', room: 'plain', data: 'c' });
  const p = await c.next('message');
  t.same([p.data, 'offset' in p], ['c', false], 'a topic without history is not numbered');
  const locked = await c.request({ type: 'say', room: 'kept-locked', data: 'd' });
  t.same([locked.code, locked.error], ['FORBIDDEN', 'read only'], "another plugin's authorization of the same pattern applies");
  c.send({ type: 'say', room: 'kept-vetoed', data: 'e' });
  await c.request({ type: 'ping' });
  t.ok(await c.expectNone((f) => f.type === 'message' && f.data === 'e'), 'a vetoed publish is not delivered');
  c.send({ type: 'say', room: 'kept-vetoed', data: 'f' });
});

t.test('subscribe with since: what was missed comes first and in order, or recovered:false', async (t) => {
  let ctx!: PluginContext;
  const srv = await server(t, new TestBroker(), (c) => { ctx = c; });
  const alice = await user(srv, 'alice');
  const first = await alice.request({ type: 'join', room: 'kept-1' });
  t.same([first.data.offset, 'recovered' in first.data], [0, false], 'a position, and nothing about recovery without since');
  const epoch = first.data.epoch as string;
  for (let i = 1; i <= 4; i++) alice.send({ type: 'say', room: 'kept-1', data: i });
  await alice.request({ type: 'ping' });

  const bob = await user(srv, 'bob');
  const joined = await bob.request({ type: 'join', room: 'kept-1', since: { offset: 2, epoch } });
  t.same([joined.data.recovered, joined.data.offset, joined.data.epoch], [true, 4, epoch]);
  const before = bob.history.filter((f) => f.type === 'message' || f.type === 'joined').map((f) => (f.type === 'joined' ? 'joined' : f.offset));
  t.same(before, [3, 4, 'joined'], 'the missed messages arrived before the answer, in order');

  const far = await user(srv, 'carol');
  const trimmed = await far.request({ type: 'join', room: 'kept-1', since: { offset: 0, epoch } });
  t.same([trimmed.data.recovered, trimmed.data.offset], [false, 4], 'size 3 keeps offsets 2–4: from 0 is not covered');
  t.notOk(far.history.some((f) => f.type === 'message'), 'and nothing is resent then');
  const other = await user(srv, 'dave');
  t.equal((await other.request({ type: 'join', room: 'kept-1', since: { offset: 3, epoch: 'another' } })).data.recovered, false, 'another epoch');
  const plain = await user(srv, 'erin');
  const none = await plain.request({ type: 'join', room: 'plain', since: { offset: 3, epoch } });
  t.same([none.data.recovered, 'epoch' in none.data], [false, false], 'a topic without history cannot recover');

  const page = await ctx.topics.history('kept-1', { limit: 10, since: { offset: 2, epoch } });
  t.same(page.messages.map((m) => JSON.parse(m).data), [3, 4], 'topics.history pages through it');
  t.same((await ctx.topics.history('kept-1', { limit: 2, reverse: true })).messages.map((m) => JSON.parse(m).offset), [4, 3], 'newest first');
  await t.rejects(ctx.topics.history('plain', { limit: 1 }), { code: 'INVALID_MESSAGE' });
  t.same(ctx.topics.historyOf('kept-9'), { size: 3, ttl: 0, maxBytes: 4 * 1024 * 1024, maxMessageBytes: 64 * 1024 }, 'defaults filled in');
  t.equal(ctx.topics.historyOf('$broadcast'), undefined, "the kernel's topics never keep history");
});

t.test('limits are checked right before the join', async (t) => {
  let ctx!: PluginContext;
  const srv = await server(t, new TestBroker(), (c) => { ctx = c; });
  const a = await user(srv, 'alice');
  await a.request({ type: 'join', room: 'kept-full' });
  const b = await user(srv, 'bob');
  await b.request({ type: 'ping' });
  const sessions = srv.kernel.services.get('sessions');
  const bob = [...sessions.ofUser('bob')][0] as Session;
  await t.rejects(ctx.topics.subscribe(bob, 'kept-full', { limits: { members: 1 } }), { code: 'ROOM_FULL' });
  t.notOk(bob.topics.has('kept-full'), 'refused: not joined');
  await ctx.topics.subscribe(bob, 'one');
  await t.rejects(ctx.topics.subscribe(bob, 'two', { limits: { sessionTopics: 1 } }), { code: 'TOO_MANY_SUBSCRIPTIONS' });
  t.equal((await ctx.topics.subscribe(bob, 'kept-full', { limits: { members: 2 } })).members, 2);
});

t.test("the broker: a refused append reaches the publisher; interest follows the first and last member", async (t) => {
  const broker = new TestBroker();
  broker.failAppend = /^failing-/;
  const srv = await server(t, broker);
  t.same(broker.active, ['$broadcast'], 'the broadcast topic is active from the start');
  const c = await user(srv, 'alice');
  await c.request({ type: 'join', room: 'failing-1' });
  const failed = await c.request({ type: 'say', room: 'failing-1', data: 'x' });
  t.same([failed.code, failed.error], ['UNAVAILABLE', 'storage away']);
  await c.request({ type: 'join', room: 'plain' });
  t.same(broker.active, ['$broadcast', 'user:alice', 'failing-1', 'plain']);
  c.send({ type: 'say', room: 'plain', data: 'y' });
  await c.next('message');
  t.same(broker.published.map((m) => [m.topic, JSON.parse(m.payload).data]), [['plain', 'y']], 'only topics without history go through publish');
});

t.test('history definitions are registered like the rest', async (t) => {
  let saved: PluginContext | undefined;
  const srv = await server(t, new TestBroker(), (c) => { saved = c; });
  t.throws(() => saved!.topics.define('late-*', { history: { size: 1 } }), { code: 'WS_ERR_LATE_REGISTRATION' });
  const twice = definePlugin({ name: 'twice', version: '1.0.0', kernel: '^0.2.0', register: (ctx) => ctx.topics.define('kept-*', { history: { size: 9 } }) });
  await t.rejects(startTestServer({ plugins: [keeper(), twice] }), /defines topic pattern "kept-\*", already defined by plugin "keeper"/);
  for (const [history, why] of [[{ size: 0 }, /size from 1 to 100000/], [{ size: 5, maxBytes: 300, maxMessageBytes: 400 }, /maxBytes ≥ maxMessageBytes/], [{ size: 5, ttl: -1 }, /ttl ≥ 0/]] as const) {
    const bad = definePlugin({ name: 'bad', version: '1.0.0', kernel: '^0.2.0', register: (ctx) => ctx.topics.define('x-*', { history }) });
    await t.rejects(startTestServer({ plugins: [bad] }), { code: 'WS_ERR_PLUGIN_OPTIONS', message: why });
  }
  void srv;
});
