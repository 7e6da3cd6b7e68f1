#!/usr/bin/env node
/**
 * `npx create-actorwire-plugin <package-name> [directory]`: write a new plugin package (default
 * directory: the name without its scope) and say what to run next. Exit 2 for a usage error.
 */
import { createRequire } from 'node:module';
import { basename, resolve } from 'node:path';
import { ScaffoldError, pluginNameOf, scaffold } from './index.js';

const USAGE = `Usage: npx create-actorwire-plugin <package-name> [directory]

  <package-name>  my-plugin, actorwire-plugin-dice or @acme/actorwire-plugin-dice
  [directory]     where to write it (default: the name without its scope); must be new or empty
`;

const args = process.argv.slice(2);
if (args.length === 0 || args.length > 2 || args[0] === '--help' || args[0] === '-h' || args[0]!.startsWith('-')) {
  const help = args[0] === '--help' || args[0] === '-h';
  (help ? process.stdout : process.stderr).write(USAGE);
  process.exit(help ? 0 : 2);
}
const packageName = args[0]!;
const dir = resolve(args[1] ?? basename(packageName));
// Released in step with @actorwire/core (one version for all packages): the plugin develops against the same.
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
try {
  const files = scaffold({ packageName, dir, coreVersion: version });
  process.stdout.write(`Wrote the plugin "${pluginNameOf(packageName)}" (${packageName}) to ${dir}: ${files.join(', ')}\n\nNext:\n  cd ${dir}\n  npm install\n  npm test\n`);
} catch (err) {
  if (err instanceof ScaffoldError) {
    process.stderr.write(`create-actorwire-plugin: ${err.message}\n${err.code === 'INVALID_NAME' ? `\n${USAGE}` : ''}`);
    process.exit(err.code === 'INVALID_NAME' ? 2 : 1);
  }
  throw err;
}
