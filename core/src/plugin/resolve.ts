/**
 * Checks plugin metadata and orders plugins by dependency — all before any `register` runs,
 * so a bad combination fails at startup with one error naming the plugin.
 */
import semver from 'semver';
import { KernelError, KernelErrors } from '@actorwire/errors';
import { createAjv, describeErrors } from '@actorwire/inputs';
import type { Plugin, PluginEntry } from '../types.js';
import { isPlugin } from './define.js';
import { KERNEL_SERVICES } from '../registries/services.js';

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
  for (const field of ['provides', 'requires', 'uses', 'replaces'] as const) {
    const list = p[field];
    if (list !== undefined && (!Array.isArray(list) || list.some((x) => typeof x !== 'string' || x === ''))) {
      throw new KernelError(KernelErrors.PLUGIN_INVALID, `${who} has an invalid ${field} (a list of service names expected)`, p.name);
    }
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

/** `dependsOn` as name → range (`*` when only the name is given). */
export function dependencies(p: Plugin): Map<string, string> {
  const d = p.dependsOn;
  if (d === undefined) return new Map();
  if (Array.isArray(d)) return new Map((d as readonly string[]).map((name) => [name, '*']));
  return new Map(Object.entries(d as Record<string, string>));
}

function checkDependencies(byName: Map<string, ResolvedPlugin>): void {
  for (const { plugin } of byName.values()) {
    for (const [dep, range] of dependencies(plugin)) {
      const found = byName.get(dep);
      if (!found) {
        throw new KernelError(KernelErrors.PLUGIN_MISSING_DEPENDENCY, `plugin "${plugin.name}" depends on "${dep}", which is not loaded`, plugin.name);
      }
      if (!semver.validRange(range)) {
        throw new KernelError(KernelErrors.PLUGIN_INVALID, `plugin "${plugin.name}" has an invalid version range ${JSON.stringify(range)} for "${dep}"`, plugin.name);
      }
      if (!semver.satisfies(found.plugin.version, range, { includePrerelease: true })) {
        throw new KernelError(
          KernelErrors.PLUGIN_DEPENDENCY_VERSION,
          `plugin "${plugin.name}" depends on "${dep}" ${range}, but "${dep}" is ${found.plugin.version}`,
          plugin.name,
        );
      }
    }
  }
}

/**
 * Check `provides`, `replaces` and `requires` across every plugin and return, per plugin, the
 * plugins that must register before it because of services.
 */
function checkServices(byName: Map<string, ResolvedPlugin>): Map<string, Set<string>> {
  const provider = new Map<string, string>();
  const replacer = new Map<string, string>();
  for (const { plugin } of byName.values()) {
    for (const service of plugin.provides ?? []) {
      if (KERNEL_SERVICES.has(service)) {
        throw new KernelError(
          KernelErrors.PLUGIN_DUPLICATE_SERVICE,
          `plugin "${plugin.name}" provides service "${service}", which the kernel provides: declare replaces: ['${service}'] to replace it`,
          plugin.name,
        );
      }
      const other = provider.get(service);
      if (other !== undefined) {
        throw new KernelError(KernelErrors.PLUGIN_DUPLICATE_SERVICE, `plugins "${other}" and "${plugin.name}" both provide service "${service}"`, plugin.name);
      }
      provider.set(service, plugin.name);
    }
  }
  for (const { plugin } of byName.values()) {
    for (const service of plugin.replaces ?? []) {
      if (!KERNEL_SERVICES.has(service) && !provider.has(service)) {
        throw new KernelError(KernelErrors.PLUGIN_MISSING_SERVICE, `plugin "${plugin.name}" replaces service "${service}", which nothing provides`, plugin.name);
      }
      const other = replacer.get(service);
      if (other !== undefined) {
        throw new KernelError(KernelErrors.PLUGIN_DUPLICATE_SERVICE, `plugins "${other}" and "${plugin.name}" both replace service "${service}"`, plugin.name);
      }
      replacer.set(service, plugin.name);
    }
  }
  const after = new Map<string, Set<string>>();
  for (const { plugin } of byName.values()) {
    const before = new Set<string>();
    const need = (service: string, required: boolean): void => {
      const p = provider.get(service);
      const r = replacer.get(service);
      if (required && p === undefined && !KERNEL_SERVICES.has(service)) {
        throw new KernelError(KernelErrors.PLUGIN_MISSING_SERVICE, `plugin "${plugin.name}" requires service "${service}", which no loaded plugin provides`, plugin.name);
      }
      for (const q of [p, r]) if (q !== undefined && q !== plugin.name) before.add(q);
    };
    for (const service of plugin.requires ?? []) need(service, true);
    for (const service of plugin.uses ?? []) need(service, false);
    // A replacement registers after the plugin whose service it replaces.
    for (const service of plugin.replaces ?? []) {
      const p = provider.get(service);
      if (p !== undefined && p !== plugin.name) before.add(p);
    }
    after.set(plugin.name, before);
  }
  return after;
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
  checkDependencies(byName);
  const serviceOrder = checkServices(byName);
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
    for (const dep of dependencies(r.plugin).keys()) visit(dep, [...path, name]);
    for (const dep of serviceOrder.get(name) ?? []) visit(dep, [...path, name]);
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
