import t from 'tap';
import { definePlugin, protocolError } from '../src/index.js';
import { expectRefused, startTestServer } from '@actorwire/testing';
import { miniRooms } from './fixtures/plugins.js';

t.test('hooks run in registration order, awaited one by one, across plugins', async (t) => {
  const log: string[] = [];
  const mk = (name: string, delay: number) => definePlugin({
    name, version: '1.0.0', kernel: '^0.2.0',
    register(ctx) {
      ctx.hooks.on('onOpen', async () => { await new Promise((r) => setTimeout(r, delay)); log.push(`${name}:open`); });
      ctx.hooks.on('onMessage', () => { log.push(`${name}:message`); }, { types: '*' });
      ctx.hooks.on('onDisconnect', (_s, code) => { log.push(`${name}:disconnect:${code}`); });
      ctx.hooks.on('onReady', () => { log.push(`${name}:ready`); });
      ctx.hooks.on('onClose', () => { log.push(`${name}:close`); });
    },
  });
  const srv = await startTestServer({ plugins: [mk('first', 30), mk('second', 0)] });
  const c = await srv.connect();
  await c.request({ type: 'ping' });
  await c.close(1000);
  await new Promise((r) => setTimeout(r, 100));
  await srv.stop();
  t.same(log, [
    'first:ready', 'second:ready',
    'first:open', 'second:open',
    'first:message', 'second:message',
    'first:disconnect:1000', 'second:disconnect:1000',
    'second:close', 'first:close',
  ], 'ordered; onClose in reverse');
});

t.test('onMessage can veto (false → FORBIDDEN) or throw a typed error', async (t) => {
  const gate = definePlugin({
    name: 'gate', version: '1.0.0', kernel: '^0.2.0',
    register(ctx) {
      ctx.hooks.on('onMessage', (_s, m) => {
        if (m.id === 'veto') return false;
        if (m.id === 'throw') throw protocolError('RATE_LIMITED', 'slow down');
      }, { types: ['ping'] });
    },
  });
  const srv = await startTestServer({ plugins: [gate] });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  const v = await c.request({ type: 'ping', id: 'veto' });
  t.equal(v.code, 'FORBIDDEN');
  const th = await c.request({ type: 'ping', id: 'throw' });
  t.equal(th.code, 'RATE_LIMITED');
  t.equal(th.error, 'slow down');
  t.equal((await c.request({ type: 'ping', id: 'fine' })).type, 'pong');
});

t.test('onSubscribe veto, onPublish transform and veto, topic authorization via policies', async (t) => {
  const rules = definePlugin({
    name: 'rules', version: '1.0.0', kernel: '^0.2.0', dependsOn: ['mini-rooms'],
    register(ctx) {
      ctx.hooks.on('onSubscribe', (_s, topic) => topic !== 'vetoed');
      ctx.hooks.on('onPublish', (_s, _topic, frame) => {
        if ((frame.data as { drop?: boolean })?.drop) return false;
        return { ...frame, stamped: true };
      });
      ctx.policies.define('only-vip', ({ session }) => session.query.get('vip') === '1');
      ctx.topics.define('vip-{id}', { authorize: 'only-vip' });
      ctx.topics.define('readonly-{id}', { authorizePublish: () => protocolError('FORBIDDEN', 'read only') });
    },
  });
  const srv = await startTestServer({ plugins: [miniRooms, rules] });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  const vip = await srv.connect('/ws?vip=1');
  t.equal((await c.request({ type: 'join', room: 'vetoed' })).code, 'FORBIDDEN');
  t.equal((await c.request({ type: 'join', room: 'vip-1' })).code, 'FORBIDDEN', 'policy denies');
  t.equal((await vip.request({ type: 'join', room: 'vip-1' })).type, 'joined', 'policy allows');
  t.equal((await c.request({ type: 'join', room: 'readonly-1' })).type, 'joined');
  const ro = await c.request({ type: 'say', room: 'readonly-1', data: {} });
  t.equal(ro.code, 'FORBIDDEN');
  t.equal(ro.error, 'read only');
  await c.request({ type: 'join', room: 'open' });
  c.send({ type: 'say', room: 'open', data: { drop: true } });
  c.send({ type: 'say', room: 'open', data: { n: 2 } });
  const m = await c.next('message');
  t.same(m.data, { n: 2 }, 'the vetoed publish never arrived');
  t.equal(m.stamped, true, 'onPublish transformed the frame');
});

t.test('onUpgrade may answer an HTTP status instead of upgrading', async (t) => {
  const bouncer = definePlugin({
    name: 'bouncer', version: '1.0.0', kernel: '^0.2.0',
    register(ctx) {
      ctx.hooks.on('onUpgrade', async (req) => {
        await new Promise((r) => setTimeout(r, 5));
        if (req.query.get('key') !== 'k') req.reject(401, { error: 'no key', code: 'UNAUTHORIZED' });
        req.data.set('bouncer.key', req.query.get('key'));
      });
      ctx.hooks.on('onOpen', (s) => { s.send({ type: 'hello', data: { key: s.data.get('bouncer.key') } }); });
    },
  });
  const srv = await startTestServer({ plugins: [bouncer] });
  t.teardown(() => srv.stop());
  const r = await expectRefused(`${srv.wsBase}/ws`);
  t.equal(r.status, 401);
  t.same(r.body, { error: 'no key', code: 'UNAUTHORIZED' });
  const c = await srv.connect('/ws?key=k');
  const hello = await c.next('hello');
  t.same(hello.data, { key: 'k' }, 'upgrade data reaches the session');
});

t.test('scoped hooks: onMessage runs for its own plugin\'s types unless it names others; topic and route scopes', async (t) => {
  const seen: string[] = [];
  const scoped = definePlugin({
    name: 'scoped', version: '1.0.0', kernel: '^0.2.0', dependsOn: ['mini-rooms'],
    register(ctx) {
      ctx.messages.define('mine', { handle: ({ reply }) => reply({ type: 'mine-done' }) });
      ctx.hooks.on('onMessage', (_s, m) => { seen.push(`own:${m.type}`); });
      ctx.hooks.on('onMessage', (_s, m) => { seen.push(`join-only:${m.type}`); }, { types: ['join'] });
      ctx.hooks.on('onSubscribe', (_s, topic) => { seen.push(`sub:${topic}`); }, { topics: 'game-{id}' });
      ctx.hooks.on('onPublish', (_s, topic) => { seen.push(`pub:${topic}`); }, { topics: 'game-*' });
      ctx.hooks.on('onOpen', (s) => { seen.push(`open:${s.route}`); }, { routes: ['/other'] });
      ctx.routes.ws('/other', {});
    },
  });
  const srv = await startTestServer({ plugins: [miniRooms, scoped] });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  await c.request({ type: 'ping' });
  await c.request({ type: 'mine' });
  await c.request({ type: 'join', room: 'lobby' });
  await c.request({ type: 'join', room: 'game-1' });
  c.send({ type: 'say', room: 'lobby', data: 1 });
  c.send({ type: 'say', room: 'game-1', data: 2 });
  await c.request({ type: 'ping' });
  const other = await srv.connect('/other');
  await other.request({ type: 'ping' });
  t.same(seen, ['own:mine', 'join-only:join', 'join-only:join', 'sub:game-1', 'pub:game-1', 'open:/other'],
    "another plugin's ping and say pass its onMessage by; the topic and route scopes hold");

  const misplaced = definePlugin({ name: 'misplaced', version: '1.0.0', kernel: '^0.2.0', register: (ctx) => ctx.hooks.on('onReady', () => {}, { topics: 'x' }) });
  await t.rejects(startTestServer({ plugins: [misplaced] }), { code: 'WS_ERR_UNKNOWN_HOOK', message: /cannot be scoped by topics/ });
});
