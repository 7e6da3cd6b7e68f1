/**
 * Which plugins `npm start` loads (PROTOCOL.md): WIRESTATE_PLUGINS names them explicitly —
 * short names of the bundled plugins, npm package names, or paths to a module whose default
 * export (or `plugin` export) is a plugin. Without it: auth + rooms, plus the service plugins
 * whose service is configured.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import { KernelError, KernelErrors } from '../errors.js';
import { isPlugin } from '../plugin/define.js';
import type { Plugin, PluginEntry } from '../types.js';

export const BUNDLED: Record<string, string> = {
  auth: '@wirestate/plugin-auth',
  rooms: '@wirestate/plugin-rooms',
  'redis-pubsub': '@wirestate/plugin-redis-pubsub',
  kafka: '@wirestate/plugin-kafka',
  snapshots: '@wirestate/plugin-snapshots',
  analytics: '@wirestate/plugin-analytics',
};

export function choosePlugins(env: NodeJS.ProcessEnv): string[] {
  const explicit = env.WIRESTATE_PLUGINS?.trim();
  // `none`: the bare kernel (ping/pong only), for measurements and debugging.
  if (explicit === 'none') return [];
  if (explicit) return explicit.split(',').map((s) => s.trim()).filter(Boolean);
  const names = ['auth', 'rooms'];
  if (env.REDIS_URL || env.REDIS_ADDR) names.push('redis-pubsub');
  if (env.KAFKA_BROKERS) names.push('kafka');
  // Not every bundled plugin exists in every installation: implicit choices skip the absent ones.
  if (env.REST_BASE_URL) names.push(...['snapshots', 'analytics'].filter((n) => installed(BUNDLED[n]!)));
  return names;
}

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

function specifierFor(name: string): string {
  if (BUNDLED[name]) return BUNDLED[name]!;
  if (name.startsWith('.') || isAbsolute(name)) return pathToFileURL(resolve(process.cwd(), name)).href;
  return name;
}

export async function loadPlugin(name: string): Promise<Plugin> {
  const spec = specifierFor(name);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(spec)) as Record<string, unknown>;
  } catch (err) {
    const hint = BUNDLED[name] ? ' (is the workspace installed? run npm install)' : '';
    throw new KernelError(KernelErrors.PLUGIN_LOAD, `cannot load plugin "${name}" from ${spec}: ${(err as Error).message}${hint}`, name, err);
  }
  const candidate = [mod.default, mod.plugin, (mod.default as Record<string, unknown> | undefined)?.default].find(isPlugin);
  if (!candidate) {
    throw new KernelError(KernelErrors.PLUGIN_LOAD, `module ${spec} (plugin "${name}") exports no plugin: export default definePlugin({...})`, name);
  }
  return candidate;
}

/** Load plugins and give each its options from the environment (plugins own their variables). */
export async function loadPlugins(names: string[], env: NodeJS.ProcessEnv, fileOptions: Record<string, Record<string, unknown>> = {}): Promise<PluginEntry[]> {
  const out: PluginEntry[] = [];
  for (const name of names) {
    const plugin = await loadPlugin(name);
    const fromEnv = plugin.optionsFromEnv ? plugin.optionsFromEnv(env) : {};
    out.push([plugin, { ...stripUndefined(fromEnv), ...(fileOptions[plugin.name] ?? {}) }]);
  }
  return out;
}

function stripUndefined(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
