/**
 * The kernel: wires registries, loads plugins in dependency order, serves HTTP and WebSocket
 * routes, and shuts down in reverse. Lifecycle (see README "Lifecycle"):
 *   config → telemetry → registries → plugins.register (ordered) → routes mounted
 *   → broker started → listen → onReady … SIGTERM → draining → sessions closed (1012)
 *   → onClose (reverse) → broker stopped → exit.
 */
import { hostname } from 'node:os';
import { accessSync, constants as fsConstants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { bearerCheck } from './server/bearer.js';
import { createContainer, InjectionMode } from 'awilix';
import type { Logger } from 'pino';
import type HyperExpress from '#hyper-express';
import uws, { type TemplatedApp } from '#uws';
import { resolveConfig, type ActorwireConfig, type DeepPartial } from '@actorwire/config';
import { CloseCodes, KernelError, KernelErrors, isKernelError } from '@actorwire/errors';
import { KERNEL_OWNER, Seal, who } from './registries/registration.js';
import { Services } from './registries/services.js';
import { pluginContext } from './plugin/context.js';
import { HookRegistry } from './registries/hooks.js';
import { Messages } from './registries/messages.js';
import { Policies } from './registries/policies.js';
import { LocalBus } from './broker/local-bus.js';
import { MemoryBroker } from './broker/memory-broker.js';
import { Topics } from './registries/topics.js';
import { Routes } from './registries/routes.js';
import { LocalPresence } from './sessions/presence.js';
import { Sessions } from './sessions/registry.js';
import { createInboundPipeline } from './sessions/inbound.js';
import { createSessionMachine, type SessionHost } from './sessions/machine.js';
import { MachineRuntime, TimerWheel } from '@actorwire/actors';
import { createHttpServer, mountHttpRoutes } from './server/http-server.js';
import { mountWsRoutes } from './server/ws-server.js';
import { TrustedProxies } from './server/client-address.js';
import { Dialects } from './registries/dialects.js';
import type { CorkAnchor } from './server/cork-anchor.js';
import { detectUws, type UwsInfo } from './server/uws-info.js';
import { createTracing, type Tracing, createLogger, KernelMetrics, LogLimiter } from '@actorwire/telemetry';
import { resolvePlugins, type ResolvedPlugin } from './plugin/resolve.js';
import { KERNEL_VERSION } from './version.js';
import { InputGuard, MAX_JSON_DEPTH, type InputGuardSink, type InputLimits } from '@actorwire/inputs';
import type { ActorwireServices, AuthMode, Broker, Clock, ComponentHealth, PluginEntry, WsRouteOptions } from './types.js';

export interface KernelOptions {
  /**
   * Complete or partial configuration, merged over the defaults. The kernel reads no environment:
   * `loadConfig()` from `@actorwire/config` turns variables and a config file into this.
   */
  config?: DeepPartial<ActorwireConfig>;
  plugins?: PluginEntry[];
  logger?: Logger;
  /**
   * The clock session timers run on (auth deadline, heartbeat, token expiry). Default: a timer
   * wheel on real time with `websocket.sweepInterval` resolution. Tests pass a `ManualClock`
   * and move time with `advance(ms)` instead of sleeping.
   */
  clock?: TimerWheel;
}

/** `/metrics`, `/admin` and `/admin/*`: what an operator reads, served apart when `metrics.port` is set. */
export function isOperatorRoute(path: string): boolean {
  return path === '/metrics' || path === '/admin' || path.startsWith('/admin/');
}

export interface Kernel {
  readonly config: ActorwireConfig;
  /** Typed reads of the services (the kernel's and the plugins'). */
  readonly services: Pick<Services, 'get' | 'find' | 'has'>;
  readonly logger: Logger;
  readonly instanceId: string;
  /** The port actually listened on (after start). */
  readonly port: number;
  /** The operator server's port (`/metrics`, `/admin/*`) when `metrics.port` is set, else undefined. */
  readonly metricsPort: number | undefined;
  readonly plugins: readonly { name: string; version: string }[];
  readonly uws: UwsInfo;
  start(): Promise<void>;
  /** Drain and stop; idempotent. */
  stop(): Promise<void>;
}

type HealthCheck = () => ComponentHealth | Record<string, unknown>;

export function createKernel(opts: KernelOptions = {}): Kernel {
  const config = resolveConfig(opts.config);
  const instanceId = config.instanceId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const logger = opts.logger ?? createLogger(config.logLevel, instanceId);
  const resolved: ResolvedPlugin[] = resolvePlugins(opts.plugins ?? [], KERNEL_VERSION);
  const proxies = new TrustedProxies(config.trustedProxies);
  const uwsInfo = detectUws();

  // One seal for every registry: closed when the server starts.
  const seal = new Seal();
  const messages = new Messages(seal);
  const hooks = new HookRegistry(seal, { timeout: config.hookTimeout, logger }, (type) => messages.ownerOf(type));
  const policies = new Policies(seal);
  const dialects = new Dialects(seal);
  const routes = new Routes(seal);
  const wheel = opts.clock ?? new TimerWheel(config.websocket.sweepInterval);
  wheel.onError = (err) => logger.error({ err }, 'session timer failed');
  const clock: Clock = wheel;
  // The kernel's broker until a plugin provides another (`replaces: ['broker']`): known at start.
  const memoryBroker = new MemoryBroker(clock, config.history);
  let broker: Broker = memoryBroker;
  const currentBroker = () => broker;
  let metrics!: KernelMetrics;
  const bus = new LocalBus(instanceId, currentBroker, {
    onPublished: (_topic, receivers) => {
      metrics.published++;
      metrics.delivered += receivers;
      metrics.fanout.observe(receivers);
    },
  }, dialects);
  const sessions = new Sessions((topic, frame) => topics.publish(null, topic, frame), hooks, config.userTopicPrefix, currentBroker);
  const topics = new Topics(policies, hooks, bus, currentBroker, seal, config.websocket.maxBackpressure, config.userTopicPrefix);
  metrics = new KernelMetrics(config.otel.serviceName, instanceId, {
    connections: () => sessions.count(),
    topics: () => topics.topicCount(),
    users: () => sessions.userCount(),
  });
  const tracing: Tracing = createTracing(config.otel, instanceId);
  if (tracing.enabled) bus.traceWith(tracing.tracer);
  bus.onListenerError = (err, topic) => logger.error({ err, topic }, 'bus listener failed');
  const health = new Map<string, { owner: string; check: HealthCheck }>();
  // One machine and one actor runtime for every session; the host finds sessions by id.
  const sessionHost: SessionHost = {
    now: () => wheel.now(),
    lastActivity: (id) => sessions.get(id)?.lastSeen ?? wheel.now(),
    ping: (id) => sessions.get(id)?.ping(),
    report: (id, err) => sessions.get(id)?.reportError(err),
    endSocket: (id, code, reason) => sessions.get(id)?.endSocket(code, reason),
    closed: (id) => sessions.get(id)?.onClosed(),
  };
  const sessionMachine = createSessionMachine(sessionHost, {
    authTimeout: config.websocket.authTimeout,
    pingInterval: config.websocket.pingInterval,
    pongWait: config.websocket.pongWait,
    maxSubscriptions: config.websocket.maxSubscriptionsPerConnection,
  });
  const sessionRuntime = new MachineRuntime(sessionMachine, wheel);
  sessionRuntime.onError = (err) => logger.error({ err }, 'session action failed');

  const container = createContainer<ActorwireServices>({ injectionMode: InjectionMode.PROXY, strict: true });
  const services = new Services(container, seal);
  services.kernel('config', config);
  services.kernel('logger', logger);
  services.kernel('tracer', tracing.tracer);
  services.kernel('meter', metrics.meter);
  services.kernel('bus', bus);
  services.kernel('sessions', sessions);
  services.kernel('topics', topics);
  services.kernel('policies', policies);
  services.kernel('presence', new LocalPresence(topics, sessions));
  services.kernel('broker', memoryBroker);
  services.kernel('clock', clock);
  services.kernel('instanceId', instanceId);

  // Kernel messages and routes, declared before plugins so collisions name the plugin.
  messages.define('ping', {
    allowUnauthenticated: true,
    aliases: { heartbeat: (raw) => ({ type: 'ping', id: raw.id as string | undefined }) },
    handle: ({ reply }) => reply({ type: 'pong' }),
  });
  routes.ws('/ws', {});
  routes.http('get', '/health', (_req, res) => {
    const body = healthBody();
    res.status(state === 'draining' || state === 'stopped' ? 503 : 200).json(body);
  });
  const metricsAuthorized = config.metrics.token === undefined ? undefined : bearerCheck(config.metrics.token);
  routes.http('get', '/metrics', async (req, res) => {
    if (metricsAuthorized !== undefined && !metricsAuthorized(req.headers.authorization)) {
      return res.status(401).header('www-authenticate', 'Bearer').json({ error: 'authentication required', code: 'UNAUTHORIZED' });
    }
    res.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(await metrics.scrape());
  });

  services.kernel('stats', {
    instanceId,
    version: KERNEL_VERSION,
    received: () => metrics.received,
    errors: () => metrics.errors,
    sent: () => metrics.direct + metrics.delivered,
    published: () => metrics.published,
    upgradesRejected: () => metrics.upgradesRejected,
    connections: () => sessions.count(),
    users: () => sessions.userCount(),
    health: () => healthBody(),
  });

  let state: 'new' | 'starting' | 'running' | 'draining' | 'stopped' = 'new';
  let port = 0;
  let app: HyperExpress.Server | undefined;
  /** The operator server, when `metrics.port` is set. */
  let opsApp: HyperExpress.Server | undefined;
  let opsPort: number | undefined;
  let listenSocket: unknown;
  let corkAnchor: CorkAnchor | undefined;
  let stopClock: (() => void) | undefined;
  let stopping: Promise<void> | undefined;

  function healthBody(): Record<string, unknown> {
    const components: Record<string, unknown> = {};
    let degraded = false;
    for (const [name, h] of Object.entries(broker.health())) {
      components[name] = h;
      if (h.status !== 'up') degraded = true;
    }
    for (const [name, { check }] of health) {
      try {
        const h = check();
        components[name] = h;
        if ((h as ComponentHealth).status && (h as ComponentHealth).status !== 'up') degraded = true;
      } catch (err) {
        components[name] = { status: 'down', detail: (err as Error).message };
        degraded = true;
      }
    }
    const status = state === 'draining' || state === 'stopped' ? 'draining' : degraded ? 'degraded' : 'healthy';
    return {
      status,
      service: 'actorwire',
      instance: instanceId,
      version: KERNEL_VERSION,
      clients: sessions.count(),
      users: sessions.userCount(),
      rooms: topics.topicCount(),
      uptime_seconds: Math.round(process.uptime()),
      uws: { native: uwsInfo.native, package: uwsInfo.package, version: uwsInfo.version, module: uwsInfo.module, node: uwsInfo.node, abi: uwsInfo.abi, ...(uwsInfo.glibc ? { glibc: uwsInfo.glibc } : {}) },
      plugins: Object.fromEntries(resolved.map((r) => [r.plugin.name, r.plugin.version])),
      components,
    };
  }

  // Every plugin's input guards count into one metric and log through one limiter.
  const inputSink: InputGuardSink = { refused: (source, reason) => metrics.countInputRefused(source, reason), log: new LogLimiter(logger) };
  const parts = {
    config, logger, services, messages, topics, policies, dialects, routes, hooks, sessions, bus,
    tracer: tracing.tracer,
    meter: metrics.meter,
    meterFor: (name: string, version: string) => metrics.meterFor(name, version),
    tracerFor: (name: string, version: string) => tracing.tracerFor(name, version),
    inputs: (source: string, limits?: Partial<InputLimits>) => new InputGuard(source, { maxBytes: limits?.maxBytes ?? config.websocket.hardMaxMessageSize, maxDepth: limits?.maxDepth ?? MAX_JSON_DEPTH }, inputSink),
    health(owner: string, component: string, check: HealthCheck) {
      seal.check(owner, `health component "${component}"`);
      const existing = health.get(component);
      if (existing) {
        throw new KernelError(KernelErrors.DUPLICATE_HEALTH, `${who(owner)} reports health component "${component}", already reported by ${who(existing.owner)}`, owner);
      }
      health.set(component, { owner, check });
    },
  };

  async function registerPlugins(): Promise<void> {
    for (const { plugin, options } of resolved) {
      try {
        await withDeadline(plugin.register(pluginContext(plugin, parts), options), config.registerTimeout, () => new KernelError(
          KernelErrors.PLUGIN_REGISTER_TIMEOUT,
          `plugin "${plugin.name}" did not finish registering within ${config.registerTimeout} ms (ACTORWIRE_REGISTER_TIMEOUT)`,
          plugin.name,
        ));
      } catch (err) {
        if (isKernelError(err)) throw err;
        throw new KernelError(KernelErrors.PLUGIN_REGISTER, `plugin "${plugin.name}" failed to register: ${(err as Error).message}`, plugin.name, err);
      }
      logger.info({ plugin: plugin.name, version: plugin.version }, 'plugin loaded');
    }
    // Declared is not provided: a plugin may provide conditionally (auth in open mode).
    for (const { plugin } of resolved) {
      for (const service of plugin.requires ?? []) {
        if (services.has(service as keyof ActorwireServices)) continue;
        const by = resolved.find((r) => r.plugin.provides?.includes(service))?.plugin.name;
        throw new KernelError(
          KernelErrors.PLUGIN_MISSING_SERVICE,
          `plugin "${plugin.name}" requires service "${service}"${by ? `, which plugin "${by}" declares but did not provide` : ', which no loaded plugin provides'}`,
          plugin.name,
        );
      }
    }
    seal.close();
    broker = services.get('broker');
    if (topics.keepsHistory) {
      metrics.meter
        .createObservableCounter('actorwire_history_events', { description: 'History: messages appended, joins recovered / not recovered, messages resent to recovering sessions, publishes refused (too large, storage unavailable), messages evicted' })
        .addCallback((r) => {
          for (const [kind, n] of Object.entries({ ...broker.historyStats, ...topics.recoveries })) r.observe(n, { kind });
        });
    }
  }

  /** Authentication is on when some plugin provides the `authenticator` service. */
  function authMode(route: WsRouteOptions): AuthMode {
    if (!services.has('authenticator')) return route.auth === 'required' ? 'required' : 'none';
    return route.auth ?? config.defaultAuth;
  }

  const kernel: Kernel = {
    config,
    services,
    logger,
    instanceId,
    uws: uwsInfo,
    plugins: resolved.map((r) => ({ name: r.plugin.name, version: r.plugin.version })),
    get port() {
      return port;
    },
    get metricsPort() {
      return opsPort;
    },

    async start() {
      if (state !== 'new') throw new KernelError(KernelErrors.LISTEN, `kernel cannot start from state ${state}`);
      state = 'starting';
      if (!uwsInfo.native) {
        logger.warn({ uws: uwsInfo }, 'uWebSockets.js runs as its pure-JS emulation (ACTORWIRE_UWS_ALLOW_EMULATION): performance is degraded; see README "uWebSockets.js builds"');
      }
      await registerPlugins();
      if (!services.has('authenticator')) {
        logger.warn('no authenticator registered: WebSocket routes accept anonymous sessions (open mode)');
      }
      const tlsFiles = config.tls.certFile !== undefined && config.tls.keyFile !== undefined
        ? { certFile: config.tls.certFile, keyFile: config.tls.keyFile, passphrase: config.tls.passphrase }
        : undefined;
      if (tlsFiles !== undefined) checkTlsFiles(tlsFiles);
      app = createHttpServer({ maxBodySize: config.maxHttpBodySize, tls: tlsFiles });
      // hyper-express runs on the chosen build (its bundle requires core/uws/binding.cjs); its own typings name another.
      const uwsApp = app.uws_instance as unknown as TemplatedApp;
      bus.attach(uwsApp);
      dialects.attach(uwsApp);
      const inbound = createInboundPipeline({
        config: config.websocket,
        messages,
        hooks,
        logger,
        roots: tracing.roots,
        clock,
        stats: { received: (t) => metrics.countReceived(t), error: (c) => metrics.countError(c), handlingOf: (t) => metrics.handlingOf(t) },
      });
      corkAnchor = mountWsRoutes(uwsApp, routes.wsRoutes(), {
        config, hooks, sessions, topics, inbound, logger, roots: tracing.roots, metrics,
        authMode,
        draining: () => state === 'draining' || state === 'stopped',
        broadcastTopic: bus.broadcastTopic,
        sessionRuntime,
        proxies,
        clock,
        dialects,
      });
      // Operator routes on a server of their own when asked (kept off the public port).
      const separateOps = config.metrics.port !== undefined;
      const httpTelemetry = { roots: tracing.roots, scheme: tlsFiles !== undefined ? 'https' : 'http' };
      mountHttpRoutes(app, separateOps ? routes.httpRoutes.filter((r) => !isOperatorRoute(r.path)) : routes.httpRoutes, logger, proxies, httpTelemetry);
      if (separateOps) {
        opsApp = createHttpServer({ maxBodySize: config.maxHttpBodySize });
        mountHttpRoutes(opsApp, routes.httpRoutes.filter((r) => isOperatorRoute(r.path) || r.path === '/health'), logger, proxies, { roots: tracing.roots, scheme: 'http' });
      }

      try {
        await broker.start((topic, payload, frame) => bus.fanOut(topic, payload, frame), { history: topics.keepsHistory });
        // Every session is on the broadcast topic, and sessions join it without the topic
        // registry: it is active for as long as the broker runs (so are the topics listened to).
        bus.brokerRunning();
        logger.info({ broker: broker.name }, 'broker started');
      } catch (err) {
        // Local delivery works without the broker; it reports itself degraded.
        logger.error({ err, broker: broker.name }, 'broker failed to start; continuing with local delivery');
      }

      try {
        listenSocket = await app.listen(config.port, config.host);
      } catch (err) {
        // The plugins registered and the broker started: stop them (connections, timers) before reporting.
        const failure = new KernelError(KernelErrors.LISTEN, `cannot listen on ${config.host}:${config.port}: ${String((err as Error)?.message ?? err)}`, 'PORT', err);
        await kernel.stop();
        throw failure;
      }
      port = uws.us_socket_local_port(listenSocket as uws.us_listen_socket);
      if (opsApp) {
        try {
          const opsSocket = await opsApp.listen(config.metrics.port!, config.metrics.host);
          opsPort = uws.us_socket_local_port(opsSocket as uws.us_listen_socket);
        } catch (err) {
          await kernel.stop();
          throw new KernelError(KernelErrors.LISTEN, `cannot listen on ${config.metrics.host}:${config.metrics.port} (metrics): ${String((err as Error)?.message ?? err)}`, 'ACTORWIRE_METRICS_PORT', err);
        }
      }
      await corkAnchor?.connect(port, config.host, tlsFiles !== undefined);
      // A manual clock is driven by its test; the real wheel ticks on its own.
      if (!opts.clock) stopClock = wheel.start();
      state = 'running';
      try {
        await hooks.runStartup('onReady');
      } catch (err) {
        // The server was already listening: stop it before reporting the failure.
        await kernel.stop();
        throw err;
      }
      logger.info(
        {
          port, host: config.host, plugins: kernel.plugins.map((p) => `${p.name}@${p.version}`), uwsNative: uwsInfo.native,
          uws: `${uwsInfo.package}@${uwsInfo.version} (${uwsInfo.native ? 'native' : 'emulation'}, Node ${uwsInfo.node}, ABI ${uwsInfo.abi}${uwsInfo.glibc ? `, glibc ${uwsInfo.glibc}` : ''})`,
          ...(tracing.enabled ? { traces: { url: tracing.url, protocol: config.otel.protocol, sampler: config.otel.sampler } } : {}),
        },
        'actorwire listening',
      );
    },

    stop() {
      stopping ??= (async () => {
        if (state === 'new') {
          state = 'stopped';
          return;
        }
        state = 'draining';
        const deadline = Date.now() + config.shutdownTimeout;
        stopClock?.();
        // Stop accepting connections first, then ask every session to leave.
        // Through hyper-express, which owns the listen socket: closing it twice (once here,
        // once by hyper-express) aborts the process in libuv (uv_poll_stop on a closing handle).
        corkAnchor?.close();
        if (listenSocket) app?.close();
        listenSocket = undefined;
        if (opsPort !== undefined) opsApp?.close();
        opsPort = undefined;
        // Ask every session to reconnect elsewhere and let it close by itself: what it sent before
        // its close frame is still read (a close from here would drop frames in flight). Then
        // 1012 for the rest — reconnect at once, behind a proxy to an instance that is not draining.
        const waitClosed = async (until: number) => { while (sessions.count() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20)); };
        if (config.drainGrace > 0) {
          for (const s of sessions.all()) s.send({ type: 'reconnect', data: { reason: 'server restarting' } });
          await waitClosed(Math.min(Date.now() + config.drainGrace, deadline - 1000));
        }
        for (const s of sessions.all()) s.close(CloseCodes.SERVICE_RESTART, 'server restarting');
        await waitClosed(deadline - 1000);
        const step = async (what: string, fn: () => Promise<unknown>) => {
          const left = Math.max(100, deadline - Date.now());
          let timer: NodeJS.Timeout | undefined;
          try {
            await Promise.race([fn(), new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`timed out after ${left} ms`)), left); })]);
          } catch (err) {
            logger.error({ err, step: what }, 'shutdown step failed');
          } finally {
            clearTimeout(timer);
          }
        };
        await step('onClose hooks', () => hooks.runAllReverse('onClose'));
        await step(`broker ${broker.name}`, () => broker.stop());
        await step('telemetry', async () => { await tracing.shutdown(); await metrics.shutdown(); });
        state = 'stopped';
        logger.info('actorwire stopped');
      })();
      return stopping;
    },
  };
  return kernel;
}

/** The TLS files exist and are readable, or startup stops naming the variable (not a uWS error at listen). */
function checkTlsFiles(files: { certFile: string; keyFile: string }): void {
  for (const [file, variable] of [[files.certFile, 'TLS_CERT_FILE'], [files.keyFile, 'TLS_KEY_FILE']] as const) {
    try {
      accessSync(file, fsConstants.R_OK);
    } catch (err) {
      throw new KernelError(KernelErrors.CONFIG, `cannot read ${variable} ${file}: ${(err as Error).message}`, variable, err);
    }
  }
}

/** `work`, or `onLate()`'s error once `ms` pass first (0: no deadline). A hung plugin must not hang startup. */
async function withDeadline<T>(work: T | Promise<T>, ms: number, onLate: () => Error): Promise<T> {
  if (ms <= 0 || typeof (work as { then?: unknown } | undefined)?.then !== 'function') return work;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(onLate()), ms); });
  try {
    return await Promise.race([Promise.resolve(work), late]);
  } finally {
    clearTimeout(timer);
  }
}
