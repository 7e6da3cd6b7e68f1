/**
 * One error policy for every hook: an ActorwireError is the hook's answer; anything else is
 * logged with { plugin, hook } and answered as the hook's place defines; a hook that runs
 * past `hookTimeout` counts as failed. Notification hooks run every function regardless.
 */
import t from 'tap';
import { createKernel, definePlugin, isKernelError, KernelErrors, protocolError, type HookMap, type PluginContext } from '../src/index.js';
import { expectRefused, startTestServer, until } from '@actorwire/testing';
import { captureLogger } from './fixtures/log.js';
import { miniRooms } from './fixtures/plugins.js';

const never = () => new Promise<never>(() => {});
const plugin = (name: string, register: (ctx: PluginContext) => void) => definePlugin({ name, version: '1.0.0', kernel: '^0.2.0', register });

/** A server whose plugin "faulty" registers `hooks`; its log lines are kept. */
async function serverWith(hooks: Partial<{ [K in keyof HookMap]: HookMap[K] }>, opts: { hookTimeout?: number; extra?: ReturnType<typeof plugin>[] } = {}) {
  const log = captureLogger();
  const faulty = plugin('faulty', (ctx) => {
    for (const [name, fn] of Object.entries(hooks)) ctx.hooks.on(name as keyof HookMap, fn as never, name === 'onMessage' ? { types: '*' } : undefined);
  });
  const srv = await startTestServer({ plugins: [miniRooms, faulty, ...(opts.extra ?? [])], logger: log.logger, config: { hookTimeout: opts.hookTimeout ?? 10_000 } });
  return { srv, log };
}

const failures = (lines: Array<Record<string, any>>, hook: string) => lines.filter((l) => l.hook === hook && l.plugin === 'faulty' && l.level >= 50);

t.test('onMessage: a bug answers INTERNAL_ERROR and is logged with plugin and hook; a typed error is the answer', async (t) => {
  const { srv, log } = await serverWith({
    onMessage: (_s, m) => {
      if (m.id === 'bug') throw new Error('boom');
      if (m.id === 'typed') throw protocolError('RATE_LIMITED', 'slow down');
    },
  });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  const bug = await c.request({ type: 'ping', id: 'bug' });
  t.equal(bug.code, 'INTERNAL_ERROR');
  t.equal(bug.error, 'internal server error', 'no internals reach the client');
  const typed = await c.request({ type: 'ping', id: 'typed' });
  t.equal(typed.code, 'RATE_LIMITED');
  const lines = failures(log.lines(), 'onMessage');
  t.equal(lines.length, 1, 'only the bug is logged as an error');
  t.equal(lines[0]!.msg, 'hook failed');
  t.match(lines[0]!.err.message, 'boom');
});

t.test('a hook past hookTimeout fails like a bug (onMessage, onUpgrade)', async (t) => {
  let hang = false;
  const gate = () => (hang ? never() : Promise.resolve());
  const { srv, log } = await serverWith({ onMessage: gate, onUpgrade: gate }, { hookTimeout: 50 });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  t.equal((await c.request({ type: 'join', room: 'r' })).type, 'joined', 'fast hooks pass');
  hang = true;
  t.equal((await c.request({ type: 'ping' })).code, 'INTERNAL_ERROR', 'onMessage timed out');
  const r = await expectRefused(`${srv.wsBase}/ws`);
  t.equal(r.status, 500, 'onUpgrade timed out: 500');
  t.same(r.body, { error: 'internal server error', code: 'INTERNAL_ERROR' });
  const timedOut = log.lines().filter((l) => l.msg === 'hook timed out' && l.plugin === 'faulty');
  t.same(timedOut.map((l) => l.hook).sort(), ['onMessage', 'onUpgrade']);
  t.equal(timedOut[0]!.timeoutMs, 50);
});

t.test('onSubscribe and onPublish bugs: INTERNAL_ERROR to the requester, logged', async (t) => {
  const { srv, log } = await serverWith({
    onSubscribe: (_s, topic) => { if (topic === 'bad') throw new TypeError('subscribe bug'); },
    onPublish: (_s, topic) => { if (topic === 'pub-bad') throw new TypeError('publish bug'); },
  });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  t.equal((await c.request({ type: 'join', room: 'bad' })).code, 'INTERNAL_ERROR');
  t.equal((await c.request({ type: 'join', room: 'pub-bad' })).type, 'joined');
  t.equal((await c.request({ type: 'say', room: 'pub-bad', data: {} })).code, 'INTERNAL_ERROR');
  t.equal(failures(log.lines(), 'onSubscribe').length, 1);
  t.equal(failures(log.lines(), 'onPublish').length, 1);
});

t.test('onUpgrade: a bug answers 500 and is logged; a typed error answers its status', async (t) => {
  const { srv, log } = await serverWith({
    onUpgrade: (req) => {
      if (req.query.get('x') === 'bug') throw new Error('upgrade bug');
      if (req.query.get('x') === 'typed') throw protocolError('FORBIDDEN', 'go away');
    },
  });
  t.teardown(() => srv.stop());
  t.equal((await expectRefused(`${srv.wsBase}/ws?x=bug`)).status, 500);
  const typed = await expectRefused(`${srv.wsBase}/ws?x=typed`);
  t.equal(typed.status, 403);
  t.same(typed.body, { error: 'go away', code: 'FORBIDDEN' });
  t.equal(failures(log.lines(), 'onUpgrade').length, 1);
});

t.test('onOpen: a bug tells the client INTERNAL_ERROR and closes it 1011', async (t) => {
  const { srv, log } = await serverWith({ onOpen: () => { throw new Error('open bug'); } });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  t.equal((await c.next('error')).code, 'INTERNAL_ERROR');
  t.equal((await c.closed).code, 1011);
  t.equal(failures(log.lines(), 'onOpen').length, 1);
});

t.test('notification hooks run every function: onUnsubscribe and onDisconnect failures are logged under their own name', async (t) => {
  const seen: string[] = [];
  const after = plugin('after', (ctx) => {
    ctx.hooks.on('onUnsubscribe', (_s, topic) => { seen.push(`unsubscribe:${topic}`); });
    ctx.hooks.on('onDisconnect', () => { seen.push('disconnect'); });
  });
  const { srv, log } = await serverWith(
    { onUnsubscribe: () => { throw new Error('unsub bug'); }, onDisconnect: () => { throw new Error('disconnect bug'); } },
    { extra: [after] },
  );
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  await c.request({ type: 'join', room: 'r' });
  await c.close(1000);
  await until(() => seen.includes('disconnect'), 2000, 'the next plugin\'s onDisconnect ran');
  t.same(seen, ['unsubscribe:r', 'disconnect'], 'the failing plugin did not stop the next one');
  t.equal(failures(log.lines(), 'onUnsubscribe').length, 1, 'logged as onUnsubscribe, not as onDisconnect');
  t.equal(failures(log.lines(), 'onDisconnect').length, 1);
});

t.test('sessions.sendToUser goes through onPublish like every publish', async (t) => {
  let pusher: PluginContext | undefined;
  const { srv } = await serverWith(
    {
      onPublish: (session, topic, frame) => {
        if (session !== null || !topic.startsWith('user:')) return;
        if ((frame.data as { block?: boolean })?.block) return false;
        return { ...frame, seen: true };
      },
    },
    { extra: [plugin('pusher', (ctx) => { pusher = ctx; })] },
  );
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  const uid = c.connected!.data.client_id as string;
  // The session authenticates as `uid` through the kernel API, so it joins user:<uid>.
  const sessions = srv.kernel.services.get('sessions');
  await sessions.authenticate(sessions.get(uid)!, { userId: 'u1', claims: {} });
  t.equal(await pusher!.sessions.sendToUser('u1', { type: 'note', data: { block: true } }), false, 'vetoed');
  t.equal(await pusher!.sessions.sendToUser('u1', { type: 'note', data: { n: 1 } }), true);
  const note = await c.next('note');
  t.same(note.data, { n: 1 }, 'the vetoed push never arrived');
  t.equal(note.seen, true, 'transformed by onPublish');
});

t.test('onReady: a failure or a timeout stops startup naming the plugin, and the port is released', async (t) => {
  for (const [what, fn, mention] of [
    ['failure', () => { throw new Error('cache warmup failed'); }, /plugin "faulty": onReady hook failed: cache warmup failed/],
    ['timeout', never, /plugin "faulty": onReady hook did not finish within 50 ms/],
  ] as const) {
    const k = createKernel({
      config: { logLevel: 'silent', port: 0, host: '127.0.0.1', hookTimeout: 50 },
      plugins: [plugin('faulty', (ctx) => ctx.hooks.on('onReady', fn))],
    });
    try {
      await k.start();
      t.fail(`expected ${what} to stop startup`);
    } catch (err) {
      t.ok(isKernelError(err));
      t.equal((err as { code: string }).code, KernelErrors.HOOK_FAILED, what);
      t.match((err as Error).message, mention);
    }
    const port = k.port;
    const refused = await fetch(`http://127.0.0.1:${port}/health`).then(() => false, () => true);
    t.ok(refused, `${what}: nothing listens on ${port} any more`);
  }
});

t.test('onClose: a failing plugin does not stop the others from closing', async (t) => {
  const closed: string[] = [];
  const log = captureLogger();
  const k = createKernel({
    config: { logLevel: 'silent', port: 0, host: '127.0.0.1' },
    logger: log.logger,
    plugins: [
      plugin('first', (ctx) => ctx.hooks.on('onClose', () => { closed.push('first'); })),
      plugin('faulty', (ctx) => ctx.hooks.on('onClose', () => { throw new Error('close bug'); })),
    ],
  });
  await k.start();
  await k.stop();
  t.same(closed, ['first'], 'reverse order: faulty ran first, then first still ran');
  t.equal(failures(log.lines(), 'onClose').length, 1);
});
