/**
 * Named hooks, run in registration order and awaited one by one (Fastify's model).
 * Vetoable hooks stop at the first `false` or thrown error.
 */
import { KernelError, KernelErrors } from './errors.js';
import type { HookMap, HookName, Hooks } from './types.js';

export const HOOK_NAMES: readonly HookName[] = [
  'onReady', 'onClose', 'onUpgrade', 'onOpen', 'onAuthenticated', 'onMessage',
  'onSubscribe', 'onUnsubscribe', 'onPublish', 'onDisconnect',
];

export class HookRegistry implements Hooks {
  private readonly lists = new Map<HookName, Function[]>(HOOK_NAMES.map((n) => [n, []]));

  on<K extends HookName>(name: K, fn: HookMap[K]): void {
    const list = this.lists.get(name);
    if (!list) throw new KernelError(KernelErrors.UNKNOWN_HOOK, `unknown hook "${String(name)}" (known: ${HOOK_NAMES.join(', ')})`);
    if (typeof fn !== 'function') throw new KernelError(KernelErrors.UNKNOWN_HOOK, `hook "${name}" needs a function`);
    list.push(fn);
  }

  /** True when at least one function is registered — lets hot paths skip the hook machinery. */
  has(name: HookName): boolean {
    return this.lists.get(name)!.length > 0;
  }

  /** Run every function in order. */
  async run<K extends HookName>(name: K, ...args: Parameters<HookMap[K]>): Promise<void> {
    for (const fn of this.lists.get(name)!) await fn(...args);
  }

  /** Run in reverse registration order (shutdown). */
  async runReverse<K extends HookName>(name: K, ...args: Parameters<HookMap[K]>): Promise<void> {
    const list = this.lists.get(name)!;
    for (let i = list.length - 1; i >= 0; i--) await list[i]!(...args);
  }

  /** Run until a function returns `false`; returns false when vetoed. Errors propagate. */
  async runVetoable<K extends HookName>(name: K, ...args: Parameters<HookMap[K]>): Promise<boolean> {
    for (const fn of this.lists.get(name)!) {
      if ((await fn(...args)) === false) return false;
    }
    return true;
  }

  /** `onPublish`: each function may veto (false) or replace the frame. */
  async runTransform<K extends 'onPublish'>(name: K, session: Parameters<HookMap[K]>[0], topic: string, frame: Parameters<HookMap[K]>[2]): Promise<Parameters<HookMap[K]>[2] | false> {
    let current = frame;
    for (const fn of this.lists.get(name)!) {
      const out = await fn(session, topic, current);
      if (out === false) return false;
      if (out && typeof out === 'object') current = out;
    }
    return current;
  }
}
