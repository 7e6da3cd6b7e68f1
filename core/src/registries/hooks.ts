/**
 * Named hooks, run in registration order and awaited one by one (Fastify's model), with one
 * error policy for all of them:
 *
 * - every function has an owner (the plugin that registered it) and a time limit
 *   (`hookTimeout`); running past it counts as a failure;
 * - an ActorwireError thrown by a hook is a decision (refuse with this code) and reaches the
 *   client as it is; anything else is a bug: it is logged with `{ plugin, hook }` and the
 *   client gets INTERNAL_ERROR (a `HookFailure`);
 * - how a failure affects the rest depends on the hook's place: request-like hooks stop at
 *   the first failure (`run`, `runVetoable`, `runTransform`); notification hooks run every
 *   function and only log (`runAll`).
 *
 * See core/README.md "Hooks" for the table of hooks, their order and what each failure means.
 */
import type { Logger } from 'pino';
import { ActorwireError, KernelError, KernelErrors, isActorwireError } from '@actorwire/errors';
import { KERNEL_OWNER, who, type Seal } from './registration.js';
import { compilePattern } from './topics.js';
import type { HookMap, HookName, HookScope, InboundMessage, Session, UpgradeRequest } from '../types.js';

export const HOOK_NAMES: readonly HookName[] = [
  'onReady', 'onClose', 'onUpgrade', 'onOpen', 'onAuthenticated', 'onMessage',
  'onSubscribe', 'onUnsubscribe', 'onPublish', 'onDisconnect',
];

interface HookEntry {
  fn: (...args: any[]) => unknown;
  owner: string;
  /** Absent: runs for everything. */
  applies?: (args: readonly unknown[]) => boolean;
}

const TOPIC_HOOKS: ReadonlySet<HookName> = new Set(['onSubscribe', 'onUnsubscribe', 'onPublish']);
const ROUTE_HOOKS: ReadonlySet<HookName> = new Set(['onUpgrade', 'onOpen', 'onAuthenticated', 'onDisconnect']);

/** A hook that failed with something other than an ActorwireError, or ran out of time. Clients see INTERNAL_ERROR. */
export class HookFailure extends ActorwireError {
  constructor(
    readonly hook: HookName,
    readonly plugin: string,
    readonly reason: 'error' | 'timeout',
    cause: unknown,
  ) {
    super('INTERNAL_ERROR', 'internal server error', { status: 500, cause });
    this.name = 'HookFailure';
  }
}

export interface HookOptions {
  /** ms; 0 disables the limit. */
  timeout: number;
  logger: Logger;
}

export class HookRegistry {
  private readonly lists = new Map<HookName, HookEntry[]>(HOOK_NAMES.map((n) => [n, []]));
  /** Hooks with at least one scoped function: their runs filter. */
  private readonly scoped = new Set<HookName>();

  constructor(
    private readonly seal: Seal,
    private readonly opts: HookOptions,
    /** The plugin that defined a message type (the default scope of `onMessage`). */
    private readonly messageOwner: (type: string) => string | undefined,
  ) {}

  on<K extends HookName>(name: K, fn: HookMap[K], owner: string = KERNEL_OWNER, scope?: HookScope): void {
    const list = this.lists.get(name);
    if (!list) throw new KernelError(KernelErrors.UNKNOWN_HOOK, `${who(owner)} registered unknown hook "${String(name)}" (known: ${HOOK_NAMES.join(', ')})`, owner);
    if (typeof fn !== 'function') throw new KernelError(KernelErrors.UNKNOWN_HOOK, `${who(owner)}: hook "${name}" needs a function`, owner);
    this.seal.check(owner, `hook "${name}"`);
    const applies = this.scopeOf(name, owner, scope ?? {});
    if (applies !== undefined) this.scoped.add(name);
    list.push({ fn: fn as HookEntry['fn'], owner, ...(applies ? { applies } : {}) });
  }

  /** The test a scope makes of a hook's arguments (undefined: everything). */
  private scopeOf(name: HookName, owner: string, scope: HookScope): HookEntry['applies'] {
    const misplaced = (key: string, where: string) => new KernelError(KernelErrors.UNKNOWN_HOOK, `${who(owner)}: hook "${name}" cannot be scoped by ${key} (only ${where})`, owner);
    if (scope.types !== undefined && name !== 'onMessage') throw misplaced('types', 'onMessage');
    if (scope.topics !== undefined && !TOPIC_HOOKS.has(name)) throw misplaced('topics', [...TOPIC_HOOKS].join(', '));
    if (scope.routes !== undefined && !ROUTE_HOOKS.has(name)) throw misplaced('routes', [...ROUTE_HOOKS].join(', '));
    if (name === 'onMessage') {
      if (scope.types === '*') return undefined;
      if (scope.types !== undefined) {
        const types = new Set(scope.types);
        return (args) => types.has((args[1] as InboundMessage).type);
      }
      return (args) => this.messageOwner((args[1] as InboundMessage).type) === owner;
    }
    if (scope.topics !== undefined) {
      const { regex } = compilePattern(scope.topics);
      return (args) => regex.test(args[1] as string);
    }
    if (scope.routes !== undefined) {
      const routes = new Set(scope.routes);
      return (args) => routes.has((args[0] as Session | UpgradeRequest).route);
    }
    return undefined;
  }

  /** The functions of a hook that apply to these arguments. */
  private listFor(name: HookName, args: readonly unknown[]): HookEntry[] {
    const list = this.lists.get(name)!;
    return this.scoped.has(name) ? list.filter((e) => e.applies === undefined || e.applies(args)) : list;
  }

  /** True when some `onMessage` function runs for messages of `type` (fixed once registries are sealed). */
  hasForMessage(type: string): boolean {
    return this.lists.get('onMessage')!.some((e) => e.applies === undefined || e.applies([undefined, { type }]));
  }

  /** True when at least one function is registered — lets hot paths skip the hook machinery. */
  has(name: HookName): boolean {
    return this.lists.get(name)!.length > 0;
  }

  /** Who registered the functions of a hook, in order. */
  owners(name: HookName): string[] {
    return this.lists.get(name)!.map((e) => e.owner);
  }

  /** Stop at the first failure, which is thrown as an ActorwireError (see `failure`). */
  async run<K extends HookName>(name: K, ...args: Parameters<HookMap[K]>): Promise<void> {
    for (const entry of this.listFor(name, args)) {
      try {
        await this.call(name, entry, args);
      } catch (err) {
        throw this.failure(name, entry, err);
      }
    }
  }

  /**
   * `run` without a promise while every function answers synchronously: returns undefined when
   * all have (a failure is thrown at once), or a promise for the rest from the first function
   * that returned one. Lets the upgrade finish in the tick it arrived in (see ws-server.ts).
   */
  runSyncFirst<K extends HookName>(name: K, ...args: Parameters<HookMap[K]>): Promise<void> | undefined {
    const list = this.listFor(name, args);
    for (let i = 0; i < list.length; i++) {
      const entry = list[i]!;
      let out: unknown;
      try {
        out = this.call(name, entry, args);
      } catch (err) {
        throw this.failure(name, entry, err);
      }
      if (out && typeof (out as Promise<unknown>).then === 'function') return this.finish(name, list, i, out as Promise<unknown>, args);
    }
    return undefined;
  }

  private async finish(name: HookName, list: HookEntry[], at: number, pending: Promise<unknown>, args: unknown[]): Promise<void> {
    try {
      await pending;
    } catch (err) {
      throw this.failure(name, list[at]!, err);
    }
    for (let i = at + 1; i < list.length; i++) {
      try {
        await this.call(name, list[i]!, args);
      } catch (err) {
        throw this.failure(name, list[i]!, err);
      }
    }
  }

  /** Stop at the first `false` (returns false) or failure (thrown). */
  async runVetoable<K extends HookName>(name: K, ...args: Parameters<HookMap[K]>): Promise<boolean> {
    for (const entry of this.listFor(name, args)) {
      let out: unknown;
      try {
        out = await this.call(name, entry, args);
      } catch (err) {
        throw this.failure(name, entry, err);
      }
      if (out === false) return false;
    }
    return true;
  }

  /** `onPublish`: each function may veto (false) or replace the frame. */
  async runTransform(
    name: 'onPublish',
    session: Parameters<HookMap['onPublish']>[0],
    topic: string,
    frame: Parameters<HookMap['onPublish']>[2],
  ): Promise<Parameters<HookMap['onPublish']>[2] | false> {
    let current = frame;
    for (const entry of this.listFor(name, [session, topic])) {
      let out: unknown;
      try {
        out = await this.call(name, entry, [session, topic, current]);
      } catch (err) {
        throw this.failure(name, entry, err);
      }
      if (out === false) return false;
      if (out && typeof out === 'object') current = out as typeof frame;
    }
    return current;
  }

  /** Run every function even when some fail; failures are logged, never thrown. */
  async runAll<K extends HookName>(name: K, ...args: Parameters<HookMap[K]>): Promise<void> {
    for (const entry of this.listFor(name, args)) await this.settle(name, entry, args);
  }

  /** `runAll` in reverse registration order (shutdown). */
  async runAllReverse<K extends HookName>(name: K, ...args: Parameters<HookMap[K]>): Promise<void> {
    const list = this.lists.get(name)!;
    for (let i = list.length - 1; i >= 0; i--) await this.settle(name, list[i]!, args);
  }

  /** Startup hooks: the first failure stops the server, as a KernelError naming the plugin. */
  async runStartup(name: 'onReady'): Promise<void> {
    for (const entry of this.lists.get(name)!) {
      try {
        await this.call(name, entry, []);
      } catch (err) {
        const what = err instanceof HookTimeout ? `did not finish within ${this.opts.timeout} ms` : `failed: ${(err as Error)?.message ?? String(err)}`;
        throw new KernelError(KernelErrors.HOOK_FAILED, `${who(entry.owner)}: ${name} hook ${what}`, entry.owner, err);
      }
    }
  }

  private async settle(name: HookName, entry: HookEntry, args: unknown[]): Promise<void> {
    try {
      await this.call(name, entry, args);
    } catch (err) {
      this.log(name, entry, err);
    }
  }

  /** One function, with the time limit when it returns a promise. */
  private call(name: HookName, entry: HookEntry, args: unknown[]): unknown {
    const out = entry.fn(...args);
    const limit = this.opts.timeout;
    if (limit <= 0 || !out || typeof (out as Promise<unknown>).then !== 'function') return out;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new HookTimeout(name, entry.owner, limit)), limit);
      (out as Promise<unknown>).then(
        (v) => { clearTimeout(timer); resolve(v); },
        (e) => { clearTimeout(timer); reject(e); },
      );
    });
  }

  /** What the caller throws for a failed hook: the hook's own ActorwireError, or a logged HookFailure. */
  private failure(name: HookName, entry: HookEntry, err: unknown): ActorwireError {
    if (isActorwireError(err)) return err;
    this.log(name, entry, err);
    return new HookFailure(name, entry.owner, err instanceof HookTimeout ? 'timeout' : 'error', err);
  }

  private log(name: HookName, entry: HookEntry, err: unknown): void {
    if (err instanceof HookTimeout) {
      this.opts.logger.error({ plugin: entry.owner, hook: name, timeoutMs: this.opts.timeout }, 'hook timed out');
    } else if (isActorwireError(err)) {
      // A deliberate refusal where nobody can be told (notification hooks): worth a line, not an alarm.
      this.opts.logger.warn({ plugin: entry.owner, hook: name, code: err.code, detail: err.message }, 'hook refused');
    } else {
      this.opts.logger.error({ err, plugin: entry.owner, hook: name }, 'hook failed');
    }
  }
}

class HookTimeout extends Error {
  constructor(hook: HookName, owner: string, ms: number) {
    super(`${who(owner)}: ${hook} hook did not finish within ${ms} ms`);
    this.name = 'HookTimeout';
  }
}
