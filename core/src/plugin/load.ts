/**
 * Loading plugins by module specifier, for applications that choose plugins at run time (the
 * `actorwire` CLI's ACTORWIRE_PLUGINS): an npm package name, a file URL or a path. The module's
 * default export (or its `plugin` export) must be a plugin made by `definePlugin`.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KernelError, KernelErrors } from '@actorwire/errors';
import type { Plugin, PluginEntry } from '../types.js';
import { isPlugin } from './define.js';

export interface LoadPluginOptions {
  /** Name to show in errors (e.g. the short name the user wrote). Default: the specifier. */
  label?: string;
  /**
   * Where relative paths are resolved. Default: process.cwd(). Package names resolve like any
   * import from @actorwire/core's location, i.e. from the application's node_modules.
   */
  cwd?: string;
}

/** Turn a path into a file URL; leave package names as they are. */
function specifierFor(spec: string, cwd: string): string {
  if (spec.startsWith('.') || isAbsolute(spec)) return pathToFileURL(resolve(cwd, spec)).href;
  return spec;
}

/** Import one plugin module and return its plugin; a typed PLUGIN_LOAD error names it otherwise. */
export async function loadPlugin(spec: string, opts: LoadPluginOptions = {}): Promise<Plugin> {
  const cwd = opts.cwd ?? process.cwd();
  const label = opts.label ?? spec;
  const specifier = specifierFor(spec, cwd);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    throw new KernelError(KernelErrors.PLUGIN_LOAD, `cannot load plugin "${label}" from ${specifier}: ${(err as Error).message}`, label, err);
  }
  const candidate = [mod.default, mod.plugin, (mod.default as Record<string, unknown> | undefined)?.default].find(isPlugin);
  if (!candidate) {
    throw new KernelError(KernelErrors.PLUGIN_LOAD, `module ${specifier} (plugin "${label}") exports no plugin: export default definePlugin({...})`, label);
  }
  return candidate;
}

/**
 * A plugin with its options: those it reads from the environment (`optionsFromEnv`), with the
 * config file's section for it (by plugin name) on top.
 */
export function pluginEntry(plugin: Plugin, env: NodeJS.ProcessEnv, fileOptions: Record<string, Record<string, unknown>> = {}): PluginEntry {
  const fromEnv = plugin.optionsFromEnv ? plugin.optionsFromEnv(env) : {};
  const fromFile = Object.hasOwn(fileOptions, plugin.name) ? fileOptions[plugin.name] : undefined;
  return [plugin, { ...stripUndefined(fromEnv), ...(fromFile ?? {}) }];
}

function stripUndefined(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
