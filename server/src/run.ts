/**
 * The `actorwire` server: configuration from the environment (and ACTORWIRE_CONFIG, JSON or YAML), plugins
 * from ACTORWIRE_PLUGINS or the defaults, then the kernel; SIGTERM/SIGINT drain it (sessions get
 * 1001) and the process exits 0. A second signal exits at once.
 */
import { createKernel } from '@actorwire/core';
import { effectiveEnv, loadConfig, readConfigFile, withDeprecatedEnv } from '@actorwire/config';
import { choosePlugins, loadPlugins } from './plugins.js';

export async function main(): Promise<void> {
  // Plugins read the same variables as the kernel: renamed ones, aliases, and the config file's Go module keys.
  const raw = withDeprecatedEnv(process.env);
  const env = effectiveEnv(raw, raw.ACTORWIRE_CONFIG ? readConfigFile(raw.ACTORWIRE_CONFIG) : undefined);
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
  // nodemon restarts with SIGUSR2 and waits for the exit: drain like SIGTERM. (SIGUSR1 is Node's
  // own: it opens the inspector, and the server keeps serving.)
  process.on('SIGUSR2', () => shutdown('SIGUSR2'));
  process.on('unhandledRejection', (err) => kernel.logger.error({ err }, 'unhandled rejection'));
  await kernel.start();
}
