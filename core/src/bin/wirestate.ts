#!/usr/bin/env -S node --max-semi-space-size=8 --import tsx
/**
 * `npm start`: load configuration from the environment, choose plugins (WIRESTATE_PLUGINS or
 * the defaults of PROTOCOL.md), start the kernel, and drain on SIGTERM/SIGINT.
 */
import { createKernel } from '../kernel.js';
import { loadConfig } from '../config/load.js';
import { KernelError } from '../errors.js';
import { choosePlugins, loadPlugins } from './plugins.js';

async function main(): Promise<void> {
  const env = process.env;
  const names = choosePlugins(env);
  const config = loadConfig({ env });
  const plugins = await loadPlugins(names, env, config.plugins);
  const kernel = createKernel({ config, plugins });
  let signals = 0;
  const shutdown = (signal: string) => {
    signals++;
    if (signals > 1) {
      kernel.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    kernel.logger.info({ signal }, 'draining');
    const hard = setTimeout(() => {
      kernel.logger.error('shutdown deadline passed: exiting');
      process.exit(1);
    }, kernel.config.shutdownTimeout + 2000);
    hard.unref();
    kernel.stop().then(() => process.exit(0), (err) => {
      kernel.logger.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (err) => kernel.logger.error({ err }, 'unhandled rejection'));
  await kernel.start();
}

main().catch((err: unknown) => {
  if (err instanceof KernelError) {
    process.stderr.write(`wirestate: cannot start: ${err.message}${err.subject ? ` [${err.subject}]` : ''} (${err.code})\n`);
  } else {
    process.stderr.write(`wirestate: cannot start: ${(err as Error)?.stack ?? String(err)}\n`);
  }
  process.exit(1);
});
