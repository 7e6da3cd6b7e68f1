/**
 * Plugin contract v1: services (provides / requires / uses / replaces), version ranges in
 * dependsOn, ownership of every registration, and the seal at start. Each refusal is one
 * KernelError whose message names the plugin(s) involved.
 */
import t from 'tap';
import { createKernel, definePlugin, isKernelError, KernelErrors, type PluginContext, type PluginDefinition } from '../src/index.js';

const quiet = { config: { logLevel: 'silent' as const, port: 0, host: '127.0.0.1' } };
const plugin = (def: Partial<PluginDefinition> & { name: string }) =>
  definePlugin({ version: '1.0.0', kernel: '^0.2.0', register() {}, ...def });

type T = { ok(...a: any[]): unknown; equal(...a: any[]): unknown; match(...a: any[]): unknown; fail(...a: any[]): unknown };

async function refused(t: T, run: () => unknown, code: string, mentions: RegExp): Promise<void> {
  try {
    await run();
  } catch (err) {
    t.ok(isKernelError(err), 'a KernelError');
    t.equal((err as { code: string }).code, code, code);
    t.match((err as Error).message, mentions, `"${(err as Error).message}" names ${mentions}`);
    return;
  }
  t.fail(`expected ${code}`);
}

declare module '../src/index.js' {
  interface ActorwireServices {
    greeter: { greet(name: string): string };
  }
}

t.test('requires: a service nobody provides fails at createKernel, naming plugin and service', async (t) => {
  const needy = plugin({ name: 'needy', requires: ['greeter'] });
  await refused(t, () => createKernel({ ...quiet, plugins: [needy] }), KernelErrors.PLUGIN_MISSING_SERVICE, /"needy" requires service "greeter", which no loaded plugin provides/);
});

t.test('provides: two plugins providing one service, or a plugin providing a kernel service', async (t) => {
  const a = plugin({ name: 'a', provides: ['greeter'] });
  const b = plugin({ name: 'b', provides: ['greeter'] });
  await refused(t, () => createKernel({ ...quiet, plugins: [a, b] }), KernelErrors.PLUGIN_DUPLICATE_SERVICE, /"a" and "b" both provide service "greeter"/);
  const sneaky = plugin({ name: 'sneaky', provides: ['presence'] });
  await refused(t, () => createKernel({ ...quiet, plugins: [sneaky] }), KernelErrors.PLUGIN_DUPLICATE_SERVICE, /"sneaky" provides service "presence", which the kernel provides: declare replaces/);
  const r1 = plugin({ name: 'r1', replaces: ['presence'] });
  const r2 = plugin({ name: 'r2', replaces: ['presence'] });
  await refused(t, () => createKernel({ ...quiet, plugins: [r1, r2] }), KernelErrors.PLUGIN_DUPLICATE_SERVICE, /"r1" and "r2" both replace service "presence"/);
  const ghost = plugin({ name: 'ghost', replaces: ['greeter'] });
  await refused(t, () => createKernel({ ...quiet, plugins: [ghost] }), KernelErrors.PLUGIN_MISSING_SERVICE, /"ghost" replaces service "greeter", which nothing provides/);
});

t.test('providing without declaring it is refused at start; replacing must be explicit', async (t) => {
  const undeclared = plugin({ name: 'undeclared', register: (ctx) => ctx.services.provide('greeter', { greet: (n) => n }) });
  await refused(t, () => createKernel({ ...quiet, plugins: [undeclared] }).start(), KernelErrors.PLUGIN_UNDECLARED_SERVICE, /"undeclared" provides service "greeter" without declaring it: declare provides/);
  const silent = plugin({ name: 'silent', register: (ctx) => ctx.services.provide('presence', {} as never) });
  await refused(t, () => createKernel({ ...quiet, plugins: [silent] }).start(), KernelErrors.PLUGIN_UNDECLARED_SERVICE, /"silent" provides service "presence".*provided by the kernel: declare replaces/);
});

t.test('a required service declared but not provided fails at start, naming the provider', async (t) => {
  const lazy = plugin({ name: 'lazy', provides: ['greeter'] });
  const needy = plugin({ name: 'needy', requires: ['greeter'] });
  await refused(t, () => createKernel({ ...quiet, plugins: [needy, lazy] }).start(), KernelErrors.PLUGIN_MISSING_SERVICE, /"needy" requires service "greeter", which plugin "lazy" declares but did not provide/);
});

t.test('services order registration: providers (and replacements) before the plugins that need them', async (t) => {
  const order: string[] = [];
  let greeting = '';
  let presenceSeen: unknown;
  const cluster = { count: async () => 42 } as never;
  const consumer = plugin({
    name: 'consumer',
    requires: ['greeter'],
    uses: ['presence'],
    register(ctx) {
      order.push('consumer');
      greeting = ctx.services.get('greeter').greet('world');
      presenceSeen = ctx.services.get('presence');
    },
  });
  const provider = plugin({
    name: 'provider',
    provides: ['greeter'],
    register(ctx) {
      order.push('provider');
      ctx.services.provide('greeter', { greet: (n) => `hello ${n}` });
    },
  });
  const replacer = plugin({
    name: 'replacer',
    replaces: ['presence'],
    register(ctx) {
      order.push('replacer');
      ctx.services.provide('presence', cluster);
    },
  });
  const k = createKernel({ ...quiet, plugins: [consumer, provider, replacer] });
  await k.start();
  t.teardown(() => k.stop());
  t.same(order, ['provider', 'replacer', 'consumer']);
  t.equal(greeting, 'hello world');
  t.equal(presenceSeen, cluster, 'the replacement, not the kernel presence');
  t.equal(k.services.get('presence'), cluster);
});

t.test('factories are built once, on first use, from other services', async (t) => {
  let built = 0;
  const p = plugin({
    name: 'factory',
    provides: ['greeter'],
    register(ctx) {
      ctx.services.provideFactory('greeter', (s) => {
        built++;
        const id = s.get('instanceId');
        return { greet: (n) => `${n} from ${id}` };
      });
    },
  });
  const k = createKernel({ ...quiet, config: { ...quiet.config, instanceId: 'i-1' }, plugins: [p] });
  await k.start();
  t.teardown(() => k.stop());
  t.equal(built, 0, 'not built before use');
  t.equal(k.services.get('greeter').greet('a'), 'a from i-1');
  k.services.get('greeter');
  t.equal(built, 1);
});

t.test('dependsOn with a version range: checked against the loaded plugin', async (t) => {
  const base = plugin({ name: 'base', version: '1.4.0' });
  const ok = plugin({ name: 'ok', dependsOn: { base: '^1.2.0' } });
  const k = createKernel({ ...quiet, plugins: [ok, base] });
  t.same(k.plugins.map((p) => p.name), ['base', 'ok']);
  const old = plugin({ name: 'wants-two', dependsOn: { base: '^2.0.0' } });
  await refused(t, () => createKernel({ ...quiet, plugins: [old, base] }), KernelErrors.PLUGIN_DEPENDENCY_VERSION, /"wants-two" depends on "base" \^2\.0\.0, but "base" is 1\.4\.0/);
  const bad = plugin({ name: 'bad-range', dependsOn: { base: 'not a range' } });
  await refused(t, () => createKernel({ ...quiet, plugins: [bad, base] }), KernelErrors.PLUGIN_INVALID, /"bad-range".*"base"/);
  const list = plugin({ name: 'listy', provides: 'greeter' as never });
  await refused(t, () => createKernel({ ...quiet, plugins: [list] }), KernelErrors.PLUGIN_INVALID, /"listy" has an invalid provides/);
});

t.test('a kernel range that does not match this kernel fails at createKernel', async (t) => {
  await refused(t, () => createKernel({ ...quiet, plugins: [plugin({ name: 'future', kernel: '^2.0.0' })] }), KernelErrors.PLUGIN_KERNEL_RANGE, /"future".*\^2\.0\.0/);
});

/** Each kind of registration, made by `owner` through its ctx. */
const kinds: Record<string, { code: string; register(ctx: PluginContext): void }> = {
  'message type': { code: KernelErrors.DUPLICATE_MESSAGE_TYPE, register: (ctx) => ctx.messages.define('dup', { handle() {} }) },
  'topic pattern': { code: KernelErrors.DUPLICATE_TOPIC, register: (ctx) => ctx.topics.define('dup-{id}', {}) },
  policy: { code: KernelErrors.DUPLICATE_POLICY, register: (ctx) => ctx.policies.define('dup', () => true) },
  route: { code: KernelErrors.DUPLICATE_ROUTE, register: (ctx) => ctx.routes.http('get', '/dup', () => ({})) },
  'ws route': { code: KernelErrors.DUPLICATE_ROUTE, register: (ctx) => ctx.routes.ws('/dup-ws') },
  'health component': { code: KernelErrors.DUPLICATE_HEALTH, register: (ctx) => ctx.health('dup', () => ({ status: 'up' })) },
  'topic history': { code: KernelErrors.DUPLICATE_TOPIC, register: (ctx) => ctx.topics.define('dup-kept', { history: { size: 10 } }) },
};

t.test('a duplicate of any kind names both owners', async (t) => {
  for (const [kind, { code, register }] of Object.entries(kinds)) {
    const first = plugin({ name: 'first', register });
    const second = plugin({ name: 'second', register });
    await refused(t, () => createKernel({ ...quiet, plugins: [first, second] }).start(), code, /"second".*already .*by plugin "first"/);
    t.pass(kind);
  }
  const s1 = plugin({ name: 's1', provides: ['greeter'], register: (ctx) => { ctx.services.provide('greeter', { greet: (n) => n }); ctx.services.provide('greeter', { greet: (n) => n }); } });
  await refused(t, () => createKernel({ ...quiet, plugins: [s1] }).start(), KernelErrors.PLUGIN_DUPLICATE_SERVICE, /"s1" provides service "greeter", already provided by plugin "s1"/);
});

t.test('registration after start is refused for every kind, naming the plugin', async (t) => {
  let late: PluginContext | undefined;
  const keeper = plugin({ name: 'keeper', provides: ['greeter'], register: (ctx) => { late = ctx; } });
  const k = createKernel({ ...quiet, plugins: [keeper] });
  await k.start();
  t.teardown(() => k.stop());
  const attempts: Record<string, (ctx: PluginContext) => void> = {
    ...Object.fromEntries(Object.entries(kinds).map(([kind, { register }]) => [kind, register])),
    hook: (ctx) => ctx.hooks.on('onOpen', () => {}),
    service: (ctx) => ctx.services.provide('greeter', { greet: (n) => n }),
    override: (ctx) => ctx.policies.override('anything', () => true),
  };
  for (const [kind, attempt] of Object.entries(attempts)) {
    await refused(t, () => attempt(late!), KernelErrors.LATE_REGISTRATION, /plugin "keeper" registered .* after the server started/);
    t.pass(kind);
  }
});

t.test('registering from onReady (after start) fails startup with one clear message', async (t) => {
  const eager = plugin({ name: 'eager', register: (ctx) => ctx.hooks.on('onReady', () => ctx.messages.define('late', { handle() {} })) });
  const k = createKernel({ ...quiet, plugins: [eager] });
  await refused(t, () => k.start(), KernelErrors.HOOK_FAILED, /plugin "eager": onReady hook failed: plugin "eager" registered message type "late" after the server started/);
});
