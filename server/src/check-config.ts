/**
 * `actorwire check-config`: read the configuration exactly as `actorwire start` would (environment,
 * ACTORWIRE_CONFIG file, the plugins it chooses and their options), validate all of it without
 * listening, and print the effective configuration with secrets masked. Exit 0 when the server
 * would start with it, 1 naming what is wrong.
 */
import { createKernel } from '@actorwire/core';
import { effectiveEnv, loadConfig, readConfigFile, withDeprecatedEnv } from '@actorwire/config';
import { choosePlugins, loadPlugins } from './plugins.js';

/** Names whose values are credentials: printed as `***`. */
const SECRET_NAME = /secret|password|passphrase|token|credential|private|apikey|api_key|sasl/i;

/** A copy with credential-like values masked, and passwords in URLs (`redis://:pw@host`) hidden. */
export function masked(value: unknown, name = ''): unknown {
  if (typeof value === 'string') {
    if (value !== '' && SECRET_NAME.test(name)) return '***';
    return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/\s]*)@/i, (_m, scheme: string, auth: string) => `${scheme}${auth.includes(':') ? `${auth.slice(0, auth.indexOf(':'))}:***` : '***'}@`);
  }
  if (Array.isArray(value)) return value.map((v) => masked(v, name));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_NAME.test(k) && v !== undefined && v !== '' && typeof v !== 'boolean' ? (typeof v === 'object' ? masked(v, k) : '***') : masked(v, k);
    return out;
  }
  return value;
}

export async function checkConfigCommand(env: NodeJS.ProcessEnv, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  try {
    const raw = withDeprecatedEnv(env);
    const file = raw.ACTORWIRE_CONFIG ? readConfigFile(raw.ACTORWIRE_CONFIG) : undefined;
    const effective = effectiveEnv(raw, file);
    const config = loadConfig({ env: effective });
    const names = choosePlugins(effective);
    const plugins = await loadPlugins(names, effective, config.plugins);
    // Validates every plugin's options, versions and dependencies, as startup does; listens on nothing.
    createKernel({ config: { ...config, logLevel: 'silent' }, plugins });
    const options = Object.fromEntries(plugins.map((p) => (Array.isArray(p) ? [p[0].name, p[1] ?? {}] : [p.name, {}])));
    const { plugins: _fileOptions, ...kernel } = config as typeof config & { plugins?: unknown };
    out(`${JSON.stringify({ source: raw.ACTORWIRE_CONFIG ? `environment + ${raw.ACTORWIRE_CONFIG}` : 'environment', kernel: masked(kernel), plugins: masked(options) }, null, 2)}\n`);
    err('check-config: the configuration is valid\n');
    return 0;
  } catch (e) {
    const x = e as { message?: unknown; subject?: unknown; code?: unknown };
    err(`check-config: ${String(x?.message ?? e)}${x?.subject ? ` [${String(x.subject)}]` : ''}${typeof x?.code === 'string' ? ` (${x.code})` : ''}\n`);
    return 1;
  }
}
