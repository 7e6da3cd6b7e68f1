/**
 * Checks plugin metadata and orders plugins by dependency — all before any `register` runs,
 * so a bad combination fails at startup with one error naming the plugin.
 */
import semver from 'semver';
import { KernelError, KernelErrors } from '../errors.js';
import { createAjv, describeErrors } from '../validation.js';
import type { Plugin, PluginEntry } from '../types.js';
import { isPlugin } from './define.js';

export interface ResolvedPlugin {
  plugin: Plugin;
  options: Record<string, unknown>;
}

const NAME = /^[a-z0-9][a-z0-9._-]*$/;

function checkMetadata(p: Plugin, kernelVersion: string): void {
  const who = `plugin "${p.name}"`;
  if (typeof p.name !== 'string' || !NAME.test(p.name)) {
    throw new KernelError(KernelErrors.PLUGIN_INVALID, `plugin name ${JSON.stringify(p.name)} is invalid (lowercase letters, digits, . _ -)`, String(p.name));
  }
  if (typeof p.version !== 'string' || !semver.valid(p.version)) {
    throw new KernelError(KernelErrors.PLUGIN_INVALID, `${who} has an invalid version ${JSON.stringify(p.version)} (semver expected)`, p.name);
  }
  if (typeof p.kernel !== 'string' || !semver.validRange(p.kernel)) {
    throw new KernelError(KernelErrors.PLUGIN_INVALID, `${who} has an invalid kernel range ${JSON.stringify(p.kernel)}`, p.name);
  }
  if (typeof p.register !== 'function') {
    throw new KernelError(KernelErrors.PLUGIN_INVALID, `${who} has no register(ctx, options) function`, p.name);
  }
  if (!semver.satisfies(kernelVersion, p.kernel, { includePrerelease: true })) {
    throw new KernelError(KernelErrors.PLUGIN_KERNEL_RANGE, `${who}@${p.version} supports kernel ${p.kernel}, but this kernel is ${kernelVersion}`, p.name);
  }
}

function validateOptions(p: Plugin, options: Record<string, unknown>): Record<string, unknown> {
  if (!p.options) return options;
  const ajv = createAjv({ useDefaults: true });
  let validate;
  try {
    validate = ajv.compile(p.options);
  } catch (err) {
    throw new KernelError(KernelErrors.PLUGIN_OPTIONS, `plugin "${p.name}" has an invalid options schema: ${(err as Error).message}`, p.name, err);
  }
  const copy = structuredClone(options);
  if (!validate(copy)) {
    throw new KernelError(KernelErrors.PLUGIN_OPTIONS, `plugin "${p.name}" options are invalid: ${describeErrors(validate.errors)}`, p.name);
  }
  return copy;
}

/** Validate every entry and return them in an order where dependencies come first (stable otherwise). */
export function resolvePlugins(entries: PluginEntry[], kernelVersion: string): ResolvedPlugin[] {
  const byName = new Map<string, ResolvedPlugin>();
  for (const entry of entries) {
    const [plugin, options] = Array.isArray(entry) ? entry : [entry, {}];
    if (!isPlugin(plugin)) {
      throw new KernelError(KernelErrors.PLUGIN_INVALID, `not a plugin (use definePlugin): ${describeValue(plugin)}`, undefined);
    }
    checkMetadata(plugin, kernelVersion);
    if (byName.has(plugin.name)) {
      throw new KernelError(KernelErrors.PLUGIN_DUPLICATE, `plugin "${plugin.name}" is registered twice`, plugin.name);
    }
    byName.set(plugin.name, { plugin, options: validateOptions(plugin, options ?? {}) });
  }
  for (const { plugin } of byName.values()) {
    for (const dep of plugin.dependsOn ?? []) {
      if (!byName.has(dep)) {
        throw new KernelError(KernelErrors.PLUGIN_MISSING_DEPENDENCY, `plugin "${plugin.name}" depends on "${dep}", which is not loaded`, plugin.name);
      }
    }
  }
  // Depth-first topological sort; a grey node seen again is a cycle.
  const order: ResolvedPlugin[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name].join(' -> ');
      throw new KernelError(KernelErrors.PLUGIN_DEPENDENCY_CYCLE, `plugin "${name}" is in a dependency cycle: ${cycle}`, name);
    }
    state.set(name, 'visiting');
    const r = byName.get(name)!;
    for (const dep of r.plugin.dependsOn ?? []) visit(dep, [...path, name]);
    state.set(name, 'done');
    order.push(r);
  };
  for (const name of byName.keys()) visit(name, []);
  return order;
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return `object with keys ${Object.keys(v).slice(0, 5).join(', ') || '(none)'}`;
  return typeof v;
}
