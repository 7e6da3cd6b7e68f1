/**
 * Publish authorization is asked once per (session, topic) and remembered while the session
 * stays subscribed with the same identity; leaving the topic or a new identity asks again;
 * `cachePublishGrants: false` asks on every publish; async rules and refusals behave as before.
 */
import t from 'tap';
import { definePlugin, protocolError, type AuthorizeInput } from '../src/index.js';
import { startTestServer } from '@actorwire/testing';
import { headerAuth, miniRooms } from './fixtures/plugins.js';

function rulesPlugin(asked: AuthorizeInput[]) {
  return definePlugin({
    name: 'rules',
    version: '1.0.0',
    kernel: '^0.2.0',
    register(ctx) {
      ctx.topics.define('cached-{id}', { authorizePublish: (input) => (asked.push(input), input.session.userId !== 'mallory') });
      ctx.topics.define('fresh-{id}', { authorizePublish: (input) => (asked.push(input), true), cachePublishGrants: false });
      ctx.topics.define('slow-{id}', { authorizePublish: async (input) => (asked.push(input), await new Promise((r) => setTimeout(r, 5)), true) });
      ctx.topics.define('deny-{id}', { authorizePublish: (input) => (asked.push(input), protocolError('FORBIDDEN', 'no publishing here')) });
    },
  });
}

const count = (asked: AuthorizeInput[], topic: string) => asked.filter((a) => a.topic === topic && a.action === 'publish').length;

t.test('a publish grant is asked once, kept while subscribed, asked again after leaving or a new identity', async (t) => {
  const asked: AuthorizeInput[] = [];
  const srv = await startTestServer({ plugins: [headerAuth, miniRooms, rulesPlugin(asked)] });
  t.teardown(() => srv.stop());
  const c = await srv.connect('/ws', { headers: { 'x-user': 'alice' } });
  await c.request({ type: 'join', room: 'cached-1' });
  for (let i = 0; i < 5; i++) c.send({ type: 'say', room: 'cached-1', data: i });
  for (let i = 0; i < 5; i++) t.equal((await c.next('message')).data, i);
  t.equal(count(asked, 'cached-1'), 1, 'five publishes, one question');

  const session = [...(srv.kernel.services.get('sessions') as unknown as { all(): Iterable<import('../src/index.js').Session> }).all()][0]!;
  await srv.kernel.services.get('topics').unsubscribe(session, 'cached-1');
  await c.request({ type: 'join', room: 'cached-1' });
  c.send({ type: 'say', room: 'cached-1', data: 'again' });
  await c.next('message');
  t.equal(count(asked, 'cached-1'), 2, 'leaving the topic dropped the grant');

  await c.request({ type: 'login', user: 'alice' });
  c.send({ type: 'say', room: 'cached-1', data: 'relogged' });
  await c.next('message');
  t.equal(count(asked, 'cached-1'), 3, 'a new identity is asked again');
});

t.test('the same topic for another session is asked for that session; a refusal is not remembered as a grant', async (t) => {
  const asked: AuthorizeInput[] = [];
  const srv = await startTestServer({ plugins: [headerAuth, miniRooms, rulesPlugin(asked)] });
  t.teardown(() => srv.stop());
  const m = await srv.connect('/ws', { headers: { 'x-user': 'mallory' } });
  await m.request({ type: 'join', room: 'cached-2' });
  for (let i = 0; i < 3; i++) {
    const err = await m.request({ type: 'say', room: 'cached-2', data: i });
    t.equal(err.code, 'FORBIDDEN');
  }
  t.equal(count(asked, 'cached-2'), 3, 'every refused publish was asked');
  const a = await srv.connect('/ws', { headers: { 'x-user': 'alice' } });
  await a.request({ type: 'join', room: 'cached-2' });
  a.send({ type: 'say', room: 'cached-2', data: 'hi' });
  t.equal((await a.next('message')).data, 'hi');
  t.equal(count(asked, 'cached-2'), 4);
});

t.test('cachePublishGrants false asks every time; async rules are awaited and cached; refusals carry their error', async (t) => {
  const asked: AuthorizeInput[] = [];
  const srv = await startTestServer({ plugins: [headerAuth, miniRooms, rulesPlugin(asked)] });
  t.teardown(() => srv.stop());
  const c = await srv.connect('/ws', { headers: { 'x-user': 'alice' } });
  await c.request({ type: 'join', room: 'fresh-1' });
  await c.request({ type: 'join', room: 'slow-1' });
  await c.request({ type: 'join', room: 'deny-1' });
  for (let i = 0; i < 3; i++) c.send({ type: 'say', room: 'fresh-1', data: i });
  for (let i = 0; i < 3; i++) await c.next('message');
  t.equal(count(asked, 'fresh-1'), 3);
  for (let i = 0; i < 3; i++) c.send({ type: 'say', room: 'slow-1', data: i });
  for (let i = 0; i < 3; i++) t.equal((await c.next('message')).data, i, 'in order, through the async rule');
  t.ok(count(asked, 'slow-1') >= 1 && count(asked, 'slow-1') <= 3, 'asked until the first answer came');
  c.send({ type: 'say', room: 'slow-1', data: 'later' });
  await c.next('message');
  const after = count(asked, 'slow-1');
  c.send({ type: 'say', room: 'slow-1', data: 'later2' });
  await c.next('message');
  t.equal(count(asked, 'slow-1'), after, 'granted now: not asked again');
  const err = await c.request({ type: 'say', room: 'deny-1', data: 1 });
  t.equal(err.code, 'FORBIDDEN');
  t.equal(err.error, 'no publishing here');
});
