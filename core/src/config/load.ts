/**
 * Configuration: defaults ← JSON file (`ACTORWIRE_CONFIG`) ← environment ← programmatic
 * overrides, validated by ajv. An invalid value stops startup naming the variable.
 */
import { readFileSync } from 'node:fs';
import { KernelError, KernelErrors } from '../errors.js';
import { createAjv } from '../validation.js';
import { configSchema, defaultConfig, envNames, type ActorwireConfig } from './schema.js';
import { envDuration, envEnum, envInt, envList, envString, envUrl } from './env.js';
import { withDeprecatedEnv } from './deprecated-env.js';

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

const validate = createAjv().compile(configSchema);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Merge `b` over `a` recursively (arrays and scalars replace). */
export function deepMerge<T>(a: T, b: unknown): T {
  if (!isPlainObject(a) || !isPlainObject(b)) return (b === undefined ? a : b) as T;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(out[k]) && isPlainObject(v) ? deepMerge(out[k], v) : v;
  }
  return out as T;
}

/** The kernel's own variables; plugins read theirs through `optionsFromEnv`. */
export function configFromEnv(env: NodeJS.ProcessEnv): DeepPartial<ActorwireConfig> {
  return {
    port: envInt(env, 'PORT', { min: 0, max: 65535 }),
    host: envString(env, 'HOST'),
    instanceId: envString(env, 'ACTORWIRE_INSTANCE_ID'),
    logLevel: envEnum(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    allowedOrigins: envList(env, 'ALLOWED_ORIGINS'),
    shutdownTimeout: envDuration(env, 'ACTORWIRE_SHUTDOWN_TIMEOUT', { min: 1 }),
    hookTimeout: envDuration(env, 'ACTORWIRE_HOOK_TIMEOUT', { min: 0 }),
    defaultAuth: envEnum(env, 'ACTORWIRE_DEFAULT_AUTH', ['required', 'optional', 'none'] as const),
    maxHttpBodySize: envInt(env, 'ACTORWIRE_MAX_HTTP_BODY_SIZE', { min: 1 }),
    websocket: {
      maxMessageSize: envInt(env, 'WEBSOCKET_MAX_MESSAGE_SIZE', { min: 1 }),
      hardMaxMessageSize: envInt(env, 'WEBSOCKET_HARD_MAX_MESSAGE_SIZE', { min: 1 }),
      pingInterval: envDuration(env, 'WEBSOCKET_PING_INTERVAL', { min: 1 }),
      pongWait: envDuration(env, 'WEBSOCKET_PONG_WAIT', { min: 1 }),
      authTimeout: envDuration(env, 'WEBSOCKET_AUTH_TIMEOUT', { min: 1 }),
      maxConnections: envInt(env, 'WEBSOCKET_LIMITS_MAX_CONNECTIONS', { min: 0 }),
      maxSubscriptionsPerConnection: envInt(env, 'WEBSOCKET_LIMITS_MAX_SUBSCRIPTIONS', { min: 0 }),
      maxBackpressure: envInt(env, 'WEBSOCKET_MAX_BACKPRESSURE', { min: 1 }),
      slowConsumer: envEnum(env, 'WEBSOCKET_SLOW_CONSUMER', ['drop', 'close'] as const),
      sweepInterval: envDuration(env, 'WEBSOCKET_SWEEP_INTERVAL', { min: 10 }),
      rateLimit: {
        messagesPerSecond: envInt(env, 'ACTORWIRE_RATE_LIMIT', { min: 0 }),
        burst: envInt(env, 'ACTORWIRE_RATE_LIMIT_BURST', { min: 1 }),
        maxViolations: envInt(env, 'ACTORWIRE_RATE_LIMIT_MAX_VIOLATIONS', { min: 1 }),
      },
    },
    otel: {
      endpoint: envUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'),
      serviceName: envString(env, 'OTEL_SERVICE_NAME'),
    },
  };
}

function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new KernelError(KernelErrors.CONFIG, `cannot read ACTORWIRE_CONFIG file ${path}: ${(err as Error).message}`, 'ACTORWIRE_CONFIG', err);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new KernelError(KernelErrors.CONFIG, `ACTORWIRE_CONFIG file ${path} is not valid JSON: ${(err as Error).message}`, 'ACTORWIRE_CONFIG', err);
  }
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Path of a JSON config file; defaults to `env.ACTORWIRE_CONFIG`. */
  file?: string;
  overrides?: DeepPartial<ActorwireConfig>;
}

export function loadConfig(opts: LoadConfigOptions = {}): ActorwireConfig {
  const env = withDeprecatedEnv(opts.env ?? process.env);
  const file = opts.file ?? env.ACTORWIRE_CONFIG;
  let config = structuredClone(defaultConfig);
  if (file) config = deepMerge(config, readConfigFile(file));
  config = deepMerge(config, configFromEnv(env));
  config = deepMerge(config, opts.overrides);
  return checkConfig(config, file);
}

/** Validate a complete config object; the error names the env variable (or file path) of the bad value. */
export function checkConfig(config: ActorwireConfig, file?: string): ActorwireConfig {
  if (!validate(config)) {
    const e = validate.errors![0]!;
    const where = e.instancePath || '/';
    const variable = envNames[where];
    const subject = variable ?? (file ? `${file}${where}` : where);
    throw new KernelError(KernelErrors.CONFIG, `invalid configuration ${subject}: ${e.message ?? 'invalid'}`, subject);
  }
  const ws = config.websocket;
  if (ws.hardMaxMessageSize < ws.maxMessageSize) ws.hardMaxMessageSize = ws.maxMessageSize;
  if (ws.pongWait <= ws.pingInterval) {
    throw new KernelError(KernelErrors.CONFIG, `invalid configuration WEBSOCKET_PONG_WAIT: must be greater than WEBSOCKET_PING_INTERVAL (${ws.pongWait} <= ${ws.pingInterval} ms)`, 'WEBSOCKET_PONG_WAIT');
  }
  return config;
}
