/**
 * `actorwire gen-config`: a configuration file to start from — every kernel key with its default
 * and its variable, then each installed plugin's options (commented out: most need values of
 * yours). The output is valid as it is: `actorwire check-config` accepts it.
 */
import { configSchema, defaultConfig, envNames, DURATION_PATHS, SIZE_PATHS } from '@actorwire/config';
import { loadPlugin } from '@actorwire/core';
import { BUNDLED, installed } from './plugins.js';

interface SchemaNode { type?: string; properties?: Record<string, SchemaNode>; default?: unknown; enum?: readonly unknown[] }

/** A value in YAML's flow style: JSON is valid YAML. */
const inline = (v: unknown) => JSON.stringify(v);

function kernelLines(node: SchemaNode, value: unknown, path: string, indent: string, out: string[]): void {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const at = `${path}/${key}`;
    const v = (value as Record<string, unknown> | undefined)?.[key];
    const notes = [envNames[at], DURATION_PATHS.includes(at) ? 'ms, or 54s / 500ms / 1m' : '', SIZE_PATHS.includes(at) ? 'bytes, or 512KB / 1MiB' : '', child.enum ? `one of ${child.enum.join(', ')}` : '']
      .filter(Boolean).join('; ');
    const comment = notes ? `  # ${notes}` : '';
    if (child.properties && at !== '/plugins') {
      out.push(`${indent}${key}:`);
      kernelLines(child, v, at, `${indent}  `, out);
    } else if (at === '/plugins') {
      continue;
    } else if (v === undefined) {
      out.push(`${indent}# ${key}:${comment}`);
    } else {
      out.push(`${indent}${key}: ${inline(v)}${comment}`);
    }
  }
}

function pluginLines(node: SchemaNode, indent: string, out: string[]): void {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    if (child.default !== undefined) out.push(`${indent}${key}: ${inline(child.default)}`);
    else out.push(`${indent}${key}:  # no default${child.enum ? `; one of ${child.enum.join(', ')}` : ''}`);
  }
}

export async function genConfigCommand(out: (s: string) => void): Promise<number> {
  const lines = [
    '# Actorwire configuration (actorwire gen-config). Use it with ACTORWIRE_CONFIG=<this file>;',
    '# a variable (named after each key) wins over the file. Check it: actorwire check-config.',
    '',
  ];
  kernelLines(configSchema as unknown as SchemaNode, defaultConfig, '', '', lines);
  lines.push('', '# Plugin options by plugin name, merged over the plugin\'s variables (its README lists them):', '# replace {} with the sections you set, uncommented.', 'plugins: {}');
  for (const [name, pkg] of BUNDLED) {
    if (!installed(pkg)) continue;
    const plugin = await loadPlugin(pkg, { label: name });
    const schema = plugin.options as SchemaNode | undefined;
    if (!schema?.properties || Object.keys(schema.properties).length === 0) continue;
    const body: string[] = [];
    pluginLines(schema, '', body);
    lines.push(`#   ${plugin.name}:  # ${pkg}`, ...body.map((l) => `#     ${l}`));
  }
  out(`${lines.join('\n')}\n`);
  return 0;
}
