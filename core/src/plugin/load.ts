/**
 * Loading plugins by module specifier, for applications that choose plugins at run time (the
 * `actorwire` CLI's ACTORWIRE_PLUGINS): an npm package name, a file URL or a path. The module's
 * default export (or its `plugin` export) must be a plugin made by `definePlugin`.
 */
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KernelError, KernelErrors } from '../errors.js';
import type { Plugin, PluginEntry } from '../types.js';
import { isPlugin } from './define.js';

export interface LoadPluginOptions {
  /** Name to show in errors (e.g. the short name the user wrote). Default: the specifier. */
  label?: string;
  /** Where relative paths and package names are resolved. Default: process.cwd(). */
  cwd?: string;
}

/** Turn a path into a file URL; leave package names as they are. */
function specifierFor(spec: string, cwd: string): string {
  if (spec.startsWith('.') || isAbsolute(spec)) return pathToFileURL(resolve(cwd, spec)).href;
  return spec;
}

/**
 * Import a package by name from the application's directory: the package may be installed
 * beside the application rather than beside @actorwire/core (a global CLI, a linked core).
 */
async function importFromCwd(name: string, cwd: string): Promise<Record<string, unknown>> {
  const require = createRequire(join(cwd, 'noop.js'));
  const pkgDir = resolve(require.resolve(`${packageName(name)}/package.json`), '..');
  const sub = name.slice(packageName(name).length);
  const pkg = require(join(pkgDir, 'package.json')) as { exports?: unknown; main?: string };
  const entry = sub ? `.${sub}` : '.';
  const target = exportTarget(pkg.exports, entry) ?? (entry === '.' ? pkg.main ?? 'index.js' : entry);
  return (await import(pathToFileURL(join(pkgDir, target)).href)) as Record<string, unknown>;
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** The `import`/`default` target of an `exports` entry (the subset plugins use). */
function exportTarget(exports: unknown, entry: string): string | undefined {
  if (exports === undefined || exports === null) return undefined;
  if (typeof exports === 'string') return entry === '.' ? exports : undefined;
  const map = exports as Record<string, unknown>;
  const keys = Object.keys(map);
  const value = keys.some((k) => k.startsWith('.')) ? map[entry] : entry === '.' ? map : undefined;
  return pickCondition(value);
}

function pickCondition(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    for (const cond of ['import', 'node', 'default']) {
      const picked = pickCondition(v[cond]);
      if (picked) return picked;
    }
  }
  return undefined;
}

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** Import one plugin module and return its plugin; a typed PLUGIN_LOAD error names it otherwise. */
export async function loadPlugin(spec: string, opts: LoadPluginOptions = {}): Promise<Plugin> {
  const cwd = opts.cwd ?? process.cwd();
  const label = opts.label ?? spec;
  const specifier = specifierFor(spec, cwd);
  let mod: Record<string, unknown>;
  try {
    try {
      mod = (await import(specifier)) as Record<string, unknown>;
    } catch (err) {
      // A package name not found beside core may still be installed beside the application.
      if (specifier !== spec || !isNotFound(err)) throw err;
      mod = await importFromCwd(spec, cwd).catch(() => Promise.reject(err));
    }
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
