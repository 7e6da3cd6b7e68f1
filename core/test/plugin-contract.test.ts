import t from 'tap';

type T = { ok(...a: any[]): unknown; equal(...a: any[]): unknown; match(...a: any[]): unknown; fail(...a: any[]): unknown };
import { createKernel, definePlugin, KernelError, KernelErrors, KERNEL_VERSION } from '../src/index.js';

const base = { name: 'p', version: '1.0.0', kernel: '^0.2.0', register() {} };
const quiet = { config: { logLevel: 'silent' as const, port: 0, host: '127.0.0.1' } };

function refusal(t: T, fn: () => unknown, code: string, mentions: string | RegExp) {
  try {
    fn();
  } catch (err) {
    t.ok(err instanceof KernelError, 'a KernelError');
    t.equal((err as KernelError).code, code, `code ${code}`);
    t.match((err as Error).message, mentions, `message names ${mentions}`);
    return;
  }
  t.fail(`expected ${code}`);
}

async function refusalAsync(t: T, fn: () => Promise<unknown>, code: string, mentions: string | RegExp) {
  try {
    await fn();
  } catch (err) {
    t.ok(err instanceof KernelError, 'a KernelError');
    t.equal((err as KernelError).code, code, `code ${code}`);
    t.match((err as Error).message, mentions, `message names ${mentions}`);
    return;
  }
  t.fail(`expected ${code}`);
}

t.test('kernel version is the core package version', async (t) => {
  t.match(KERNEL_VERSION, /^\d+\.\d+\.\d+/);
});

t.test('refuses a kernel range mismatch, naming the plugin', async (t) => {
  refusal(t, () => createKernel({ ...quiet, plugins: [definePlugin({ ...base, name: 'old', kernel: '^9.0.0' })] }), KernelErrors.PLUGIN_KERNEL_RANGE, '"old"');
});

t.test('refuses a missing dependency', async (t) => {
  refusal(t, () => createKernel({ ...quiet, plugins: [definePlugin({ ...base, name: 'needy', dependsOn: ['ghost'] })] }), KernelErrors.PLUGIN_MISSING_DEPENDENCY, /"needy".*"ghost"/);
});

t.test('refuses a duplicate plugin name', async (t) => {
  refusal(t, () => createKernel({ ...quiet, plugins: [definePlugin({ ...base, name: 'twin' }), definePlugin({ ...base, name: 'twin' })] }), KernelErrors.PLUGIN_DUPLICATE, '"twin"');
});

t.test('refuses a dependency cycle', async (t) => {
  const a = definePlugin({ ...base, name: 'a', dependsOn: ['b'] });
  const b = definePlugin({ ...base, name: 'b', dependsOn: ['a'] });
  refusal(t, () => createKernel({ ...quiet, plugins: [a, b] }), KernelErrors.PLUGIN_DEPENDENCY_CYCLE, 'a -> b -> a');
});

t.test('refuses invalid options, naming the plugin and the field', async (t) => {
  const p = definePlugin({ ...base, name: 'opt', options: { type: 'object', required: ['url'], properties: { url: { type: 'string' } } } });
  refusal(t, () => createKernel({ ...quiet, plugins: [[p, {}]] }), KernelErrors.PLUGIN_OPTIONS, /"opt".*url is required/);
  refusal(t, () => createKernel({ ...quiet, plugins: [[p, { url: 5 }]] }), KernelErrors.PLUGIN_OPTIONS, '"opt"');
});

t.test('refuses something that is not a plugin, and bad metadata', async (t) => {
  refusal(t, () => createKernel({ ...quiet, plugins: [{ name: 'raw' } as never] }), KernelErrors.PLUGIN_INVALID, 'definePlugin');
  refusal(t, () => createKernel({ ...quiet, plugins: [definePlugin({ ...base, name: 'v', version: 'one' })] }), KernelErrors.PLUGIN_INVALID, '"v"');
});

t.test('refuses duplicate message types and routes at start, naming both plugins', async (t) => {
  const one = definePlugin({ ...base, name: 'one', register: (ctx) => ctx.messages.define('hello', { handle() {} }) });
  const two = definePlugin({ ...base, name: 'two', register: (ctx) => ctx.messages.define('hello', { handle() {} }) });
  const k = createKernel({ ...quiet, plugins: [one, two] });
  await refusalAsync(t, () => k.start(), KernelErrors.DUPLICATE_MESSAGE_TYPE, /"two".*"hello".*"one"/);

  const kernelType = definePlugin({ ...base, name: 'pinger', register: (ctx) => ctx.messages.define('heartbeat', { handle() {} }) });
  await refusalAsync(t, () => createKernel({ ...quiet, plugins: [kernelType] }).start(), KernelErrors.DUPLICATE_MESSAGE_TYPE, '"pinger"');

  const r1 = definePlugin({ ...base, name: 'r1', register: (ctx) => ctx.routes.http('get', '/x', () => ({})) });
  const r2 = definePlugin({ ...base, name: 'r2', register: (ctx) => ctx.routes.http('get', '/x', () => ({})) });
  await refusalAsync(t, () => createKernel({ ...quiet, plugins: [r1, r2] }).start(), KernelErrors.DUPLICATE_ROUTE, '"r2"');
  const health = definePlugin({ ...base, name: 'h', register: (ctx) => ctx.routes.http('get', '/health', () => ({})) });
  await refusalAsync(t, () => createKernel({ ...quiet, plugins: [health] }).start(), KernelErrors.DUPLICATE_ROUTE, 'GET /health');
  const ws = definePlugin({ ...base, name: 'w', register: (ctx) => ctx.routes.ws('/ws') });
  await refusalAsync(t, () => createKernel({ ...quiet, plugins: [ws] }).start(), KernelErrors.DUPLICATE_ROUTE, 'WS /ws');
});

t.test('a register() that throws stops startup naming the plugin', async (t) => {
  const p = definePlugin({ ...base, name: 'broken', register() { throw new Error('database unreachable'); } });
  await refusalAsync(t, () => createKernel({ ...quiet, plugins: [p] }).start(), KernelErrors.PLUGIN_REGISTER, /"broken".*database unreachable/);
});

t.test('a register() that never settles stops startup after registerTimeout, naming the plugin', async (t) => {
  const hung = definePlugin({ ...base, name: 'hung', register: () => new Promise<void>(() => {}) });
  const started = Date.now();
  await refusalAsync(t, () => createKernel({ config: { ...quiet.config, registerTimeout: 200 }, plugins: [hung] }).start(), KernelErrors.PLUGIN_REGISTER_TIMEOUT, /"hung".*200 ms.*ACTORWIRE_REGISTER_TIMEOUT/);
  t.ok(Date.now() - started < 5_000, 'it did not wait for ever');
  const slow = definePlugin({ ...base, name: 'slow', register: () => new Promise<void>((r) => setTimeout(r, 50)) });
  const k = createKernel({ config: { ...quiet.config, registerTimeout: 2_000 }, plugins: [slow] });
  await k.start();
  t.pass('a register that finishes in time starts');
  await k.stop();
});

t.test('an invalid message schema is refused naming the plugin', async (t) => {
  const p = definePlugin({ ...base, name: 'schemer', register: (ctx) => ctx.messages.define('x', { schema: { type: 'nonsense' } as never, handle() {} }) });
  await refusalAsync(t, () => createKernel({ ...quiet, plugins: [p] }).start(), KernelErrors.INVALID_SCHEMA, '"schemer"');
});

t.test('unknown hook names are refused', async (t) => {
  const p = definePlugin({ ...base, name: 'hooky', register: (ctx) => ctx.hooks.on('onWhatever' as never, (() => {}) as never) });
  await refusalAsync(t, () => createKernel({ ...quiet, plugins: [p] }).start(), KernelErrors.UNKNOWN_HOOK, 'onWhatever');
});

t.test('plugins register in dependency order with validated options and defaults', async (t) => {
  const order: string[] = [];
  const got: Record<string, unknown> = {};
  const c = definePlugin({ ...base, name: 'c', dependsOn: ['b'], register: () => { order.push('c'); } });
  const b = definePlugin({ ...base, name: 'b', dependsOn: ['a'], register: async () => { await new Promise((r) => setTimeout(r, 10)); order.push('b'); } });
  const a = definePlugin({
    ...base,
    name: 'a',
    options: { type: 'object', properties: { size: { type: 'integer', default: 7 } } },
    register: (ctx, opts) => { order.push('a'); got.opts = opts; got.services = (['config', 'logger', 'tracer', 'meter', 'bus', 'sessions', 'clock'] as const).every((n) => ctx.services.has(n)); },
  });
  const k = createKernel({ ...quiet, plugins: [c, b, [a, {}]] });
  await k.start();
  t.teardown(() => k.stop());
  t.same(order, ['a', 'b', 'c']);
  t.same(got.opts, { size: 7 });
  t.equal(got.services, true, 'kernel services readable through ctx.services');
  t.same(k.plugins.map((p) => p.name), ['a', 'b', 'c']);
});
