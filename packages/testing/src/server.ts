/** Start a real kernel on 127.0.0.1 with an ephemeral port for a test. */
import { createKernel, type Kernel, type KernelOptions } from '@actorwire/core';
import type { ActorwireConfig, DeepPartial } from '@actorwire/core';
import { connect, type ConnectOptions, type TestClient } from './client.js';

export interface TestServer {
  kernel: Kernel;
  port: number;
  /** `ws://127.0.0.1:PORT` */
  wsBase: string;
  /** `http://127.0.0.1:PORT` */
  httpBase: string;
  /** Connect to a ws route (default `/ws`), query string included in `path`. */
  connect(path?: string, opts?: ConnectOptions): Promise<TestClient>;
  stop(): Promise<void>;
}

export async function startTestServer(opts: Omit<KernelOptions, 'config'> & { config?: DeepPartial<ActorwireConfig> } = {}): Promise<TestServer> {
  const config: DeepPartial<ActorwireConfig> = {
    port: 0,
    host: '127.0.0.1',
    logLevel: (process.env.TEST_LOG_LEVEL as ActorwireConfig['logLevel']) ?? 'silent',
    shutdownTimeout: 3000,
    // Stop at once: a test's raw clients never answer the drain's `reconnect` (set it to test a drain).
    drainGrace: 0,
    ...opts.config,
    websocket: { sweepInterval: 50, ...(opts.config?.websocket ?? {}) },
  };
  const kernel = createKernel({ ...opts, config });
  await kernel.start();
  const port = kernel.port;
  const clients: TestClient[] = [];
  return {
    kernel,
    port,
    wsBase: `ws://127.0.0.1:${port}`,
    httpBase: `http://127.0.0.1:${port}`,
    async connect(path = '/ws', copts = {}) {
      const c = await connect(`ws://127.0.0.1:${port}${path}`, copts);
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.terminate();
      await kernel.stop();
    },
  };
}
