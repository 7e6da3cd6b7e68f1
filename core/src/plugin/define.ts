import type { Plugin, PluginDefinition } from '../types.js';

/** Make a plugin. The kernel checks its metadata before anything runs. */
export function definePlugin<O = Record<string, unknown>>(def: PluginDefinition<O>): Plugin<O> {
  return Object.freeze({ ...def, __actorwirePlugin: true as const });
}

export function isPlugin(value: unknown): value is Plugin {
  return typeof value === 'object' && value !== null && (value as { __actorwirePlugin?: unknown }).__actorwirePlugin === true;
}
