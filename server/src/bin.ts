#!/usr/bin/env -S node --max-semi-space-size=8
/**
 * The `actorwire` command. The server is loaded behind a dynamic import so that whatever stops
 * it from starting — a bad setting, a plugin, or no native uWebSockets.js build for this Node
 * and glibc (the kernel's first import) — is one line on stderr and exit 1, not a stack trace.
 * Arguments are read first: `--help` or a typo must never start a server.
 */
import { createRequire } from 'node:module';

const USAGE = `Usage: actorwire [start]        start the server, configured from the environment
                                (and ACTORWIRE_CONFIG, a JSON or YAML file)
       actorwire check-config   validate that configuration without starting; print it with
                                secrets masked (exit 1 naming what is wrong)
       actorwire gen-config     print a configuration file to start from: every key, its
                                default and its variable (YAML)
       actorwire token [...]    mint a JWT for development (actorwire token --help)
       actorwire --help         this text
       actorwire --version      the versions of the server and the kernel

Every setting is an environment variable: see the README's "Configuration".
`;

function versions(): string {
  const require = createRequire(import.meta.url);
  const own = (require('../package.json') as { version: string }).version;
  let kernel = 'unknown';
  try {
    kernel = (require('@actorwire/core/package.json') as { version: string }).version;
  } catch {
    // a trimmed install without core cannot start anyway; say what we know
  }
  return `actorwire ${own} (kernel @actorwire/core ${kernel}, Node ${process.versions.node})\n`;
}

async function start(): Promise<void> {
  const { main } = await import('./run.js');
  await main();
}

const args = process.argv.slice(2);
const command = args[0];
if (command === '--help' || command === '-h' || command === 'help') {
  process.stdout.write(USAGE);
} else if (command === '--version' || command === '-v' || command === 'version') {
  process.stdout.write(versions());
} else if (command === 'check-config' && args.length === 1) {
  void import('./check-config.js')
    .then(({ checkConfigCommand }) => checkConfigCommand(process.env, (s) => process.stdout.write(s), (s) => process.stderr.write(s)))
    .then((code) => process.exit(code));
} else if (command === 'gen-config' && args.length === 1) {
  void import('./gen-config.js')
    .then(({ genConfigCommand }) => genConfigCommand((s) => process.stdout.write(s)))
    .then((code) => { process.exitCode = code; });
} else if (command === 'token') {
  void import('@actorwire/plugin-auth/token')
    .then(({ runTokenCommand }) => runTokenCommand(args.slice(1), process.env, (s) => process.stdout.write(s), (s) => process.stderr.write(s), 'actorwire token'))
    .then((code) => { process.exitCode = code; });
} else if (args.length > 1 || (command !== undefined && command !== 'start')) {
  process.stderr.write(`actorwire: unknown arguments: ${args.join(' ')}\n\n${USAGE}`);
  process.exitCode = 2;
} else {
  start().catch((err: unknown) => {
    const e = err as { code?: unknown; message?: unknown; subject?: unknown; stack?: unknown };
    if (typeof e?.code === 'string' && e.code.startsWith('WS_ERR_')) {
      process.stderr.write(`actorwire: cannot start: ${String(e.message)}${e.subject ? ` [${String(e.subject)}]` : ''} (${e.code})\n`);
    } else {
      process.stderr.write(`actorwire: cannot start: ${String(e?.stack ?? err)}\n`);
    }
    process.exit(1);
  });
}
