/**
 * Which plugins the `actorwire` server loads (docs/protocol.md "Which plugins npm start loads"):
 * ACTORWIRE_PLUGINS names them — short names of the plugins this package ships with, npm
 * package names, or paths to a module whose default export is a plugin. Without it: auth +
 * rooms, plus the service plugins whose service is configured.
 */
import { createRequire } from 'node:module';
import { loadPlugin, pluginEntry, type PluginEntry } from '@actorwire/core';

/** Short names → packages, all dependencies of this package (a trimmed install may leave the optional ones out). */
export const BUNDLED: ReadonlyMap<string, string> = new Map([
  ['auth', '@actorwire/plugin-auth'],
  ['rooms', '@actorwire/plugin-rooms'],
  ['redis-pubsub', '@actorwire/plugin-redis-pubsub'],
  ['kafka', '@actorwire/plugin-kafka'],
  ['snapshots', '@actorwire/plugin-snapshots'],
  ['analytics', '@actorwire/plugin-analytics'],
  ['dialects', '@actorwire/plugin-dialects'],
  ['history', '@actorwire/plugin-history'],
  ['admin', '@actorwire/plugin-admin'],
]);

export function choosePlugins(env: NodeJS.ProcessEnv): string[] {
  const explicit = env.ACTORWIRE_PLUGINS?.trim();
  // `none`: the bare kernel (ping/pong only), for measurements and debugging.
  if (explicit === 'none') return [];
  if (explicit) return explicit.split(',').map((s) => s.trim()).filter(Boolean);
  // dialects: the Go services' clients connect with ?dialect=gateway|envelope (or ACTORWIRE_DIALECT).
  const names = ['auth', 'rooms', 'dialects'];
  if (env.REDIS_URL || env.REDIS_ADDR || env.REDIS_SENTINELS) names.push('redis-pubsub');
  if (env.KAFKA_BROKERS) names.push('kafka');
  // Rooms keep history (and clients recover what they missed) once HISTORY_ROOMS names them.
  if (env.HISTORY_ROOMS && installed(BUNDLED.get('history')!)) names.push('history');
  // The live admin page, once its operator token is set.
  if (env.ACTORWIRE_ADMIN_TOKEN && installed(BUNDLED.get('admin')!)) names.push('admin');
  // Optional plugins are not installed everywhere: implicit choices skip the absent ones.
  if (env.REST_BASE_URL) names.push(...['snapshots', 'analytics'].filter((n) => installed(BUNDLED.get(n)!)));
  return names;
}

export function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/** Load the chosen plugins and give each its options from the environment and the config file. */
export async function loadPlugins(names: string[], env: NodeJS.ProcessEnv, fileOptions: Record<string, Record<string, unknown>> = {}): Promise<PluginEntry[]> {
  const out: PluginEntry[] = [];
  for (const name of names) {
    const plugin = await loadPlugin(BUNDLED.get(name) ?? name, { label: name });
    out.push(pluginEntry(plugin, env, fileOptions));
  }
  return out;
}
