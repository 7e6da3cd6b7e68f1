/**
 * Configuration: defaults ← config file (`ACTORWIRE_CONFIG`, JSON or YAML) ← environment ←
 * programmatic overrides, validated by ajv. An invalid value stops startup naming the variable.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { withCompatEnv } from './compat-env.js';
import { KernelError, KernelErrors } from '@actorwire/errors';
import { checkConfig, deepMerge, type DeepPartial } from './check.js';
import { defaultConfig, type ActorwireConfig } from './schema.js';
import { envNames } from './names.js';
import { envDuration, envEnum, envInt, envList, envSize, envString, parseDuration, parseSize } from './env.js';
import { withDeprecatedEnv } from './deprecated-env.js';
import { otelFromEnv } from './otel-env.js';

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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
    drainGrace: envDuration(env, 'ACTORWIRE_DRAIN_GRACE', { min: 0 }),
    hookTimeout: envDuration(env, 'ACTORWIRE_HOOK_TIMEOUT', { min: 0 }),
    registerTimeout: envDuration(env, 'ACTORWIRE_REGISTER_TIMEOUT', { min: 0 }),
    defaultAuth: envEnum(env, 'ACTORWIRE_DEFAULT_AUTH', ['required', 'optional', 'none'] as const),
    defaultDialect: envString(env, 'ACTORWIRE_DIALECT'),
    maxHttpBodySize: envSize(env, 'ACTORWIRE_MAX_HTTP_BODY_SIZE', { min: 1 }),
    trustedProxies: envList(env, 'ACTORWIRE_TRUSTED_PROXIES'),
    websocket: {
      maxMessageSize: envSize(env, 'WEBSOCKET_MAX_MESSAGE_SIZE', { min: 1 }),
      hardMaxMessageSize: envSize(env, 'WEBSOCKET_HARD_MAX_MESSAGE_SIZE', { min: 1 }),
      pingInterval: envDuration(env, 'WEBSOCKET_PING_INTERVAL', { min: 1 }),
      pongWait: envDuration(env, 'WEBSOCKET_PONG_WAIT', { min: 1 }),
      authTimeout: envDuration(env, 'WEBSOCKET_AUTH_TIMEOUT', { min: 1 }),
      maxConnections: envInt(env, 'WEBSOCKET_LIMITS_MAX_CONNECTIONS', { min: 0 }),
      maxUnauthenticated: envInt(env, 'WEBSOCKET_LIMITS_MAX_UNAUTHENTICATED', { min: 0 }),
      maxConnectionsPerIp: envInt(env, 'WEBSOCKET_LIMITS_MAX_CONNECTIONS_PER_IP', { min: 0 }),
      upgradesPerIpPerSecond: envInt(env, 'WEBSOCKET_LIMITS_UPGRADES_PER_IP', { min: 0 }),
      maxSubscriptionsPerConnection: envInt(env, 'WEBSOCKET_LIMITS_MAX_SUBSCRIPTIONS', { min: 0 }),
      maxBackpressure: envSize(env, 'WEBSOCKET_MAX_BACKPRESSURE', { min: 1 }),
      slowConsumer: envEnum(env, 'WEBSOCKET_SLOW_CONSUMER', ['drop', 'close'] as const),
      sweepInterval: envDuration(env, 'WEBSOCKET_SWEEP_INTERVAL', { min: 10 }),
      corkAnchor: envEnum(env, 'ACTORWIRE_CORK_ANCHOR', ['auto', 'on', 'off'] as const),
      rateLimit: {
        messagesPerSecond: envInt(env, 'ACTORWIRE_RATE_LIMIT', { min: 0 }),
        burst: envInt(env, 'ACTORWIRE_RATE_LIMIT_BURST', { min: 1 }),
        maxViolations: envInt(env, 'ACTORWIRE_RATE_LIMIT_MAX_VIOLATIONS', { min: 1 }),
      },
    },
    otel: otelFromEnv(env),
    metrics: {
      port: envInt(env, 'ACTORWIRE_METRICS_PORT', { min: 0 }),
      host: envString(env, 'ACTORWIRE_METRICS_HOST'),
      token: envString(env, 'ACTORWIRE_METRICS_TOKEN'),
    },
    history: { maxBytes: envSize(env, 'HISTORY_MAX_BYTES', { min: 1024 }), maxTopics: envInt(env, 'HISTORY_MAX_ROOMS', { min: 1 }) },
    tls: { certFile: envString(env, 'TLS_CERT_FILE'), keyFile: envString(env, 'TLS_KEY_FILE'), passphrase: envString(env, 'TLS_KEY_PASSPHRASE') },
  };
}

/** The Go WebSocket module's file keys (`websocket.*`, snake_case) → the variables they stand for. */
const GO_FILE_KEYS: Readonly<Record<string, string>> = {
  enabled: 'WEBSOCKET_ENABLED',
  host: 'WEBSOCKET_HOST',
  port: 'WEBSOCKET_PORT',
  timeout: 'WEBSOCKET_TIMEOUT',
  read_buffer_size: 'WEBSOCKET_READ_BUFFER_SIZE',
  write_buffer_size: 'WEBSOCKET_WRITE_BUFFER_SIZE',
  max_message_size: 'WEBSOCKET_MAX_MESSAGE_SIZE',
  ping_interval: 'WEBSOCKET_PING_INTERVAL',
  pong_wait: 'WEBSOCKET_PONG_WAIT',
  write_wait: 'WEBSOCKET_WRITE_WAIT',
  'limits.max_connections': 'WEBSOCKET_LIMITS_MAX_CONNECTIONS',
  'limits.max_connections_per_room': 'WEBSOCKET_LIMITS_MAX_CONNECTIONS_PER_ROOM',
  // The API gateway's spelling of the same module.
  ping_period: 'WEBSOCKET_PING_INTERVAL',
  pong_timeout: 'WEBSOCKET_PONG_WAIT',
  max_connections: 'WEBSOCKET_LIMITS_MAX_CONNECTIONS',
  handshake_timeout: 'WEBSOCKET_HANDSHAKE_TIMEOUT',
  read_timeout: 'WEBSOCKET_READ_TIMEOUT',
  write_timeout: 'WEBSOCKET_WRITE_TIMEOUT',
  enable_compression: 'WEBSOCKET_ENABLE_COMPRESSION',
  compression_level: 'WEBSOCKET_COMPRESSION_LEVEL',
  allowed_origins: 'ALLOWED_ORIGINS',
};

export interface ConfigFile {
  /** The file's path. */
  path: string;
  /** The file's Actorwire configuration (what matches the schema), durations and sizes as numbers. */
  doc: Record<string, unknown>;
  /** The Go module's keys found in it, as the variables they stand for (the environment wins over them). */
  env: Record<string, string>;
  /** Each of those variables → the key as the file wrote it (`websocket.ping_interval`), for errors. */
  keys: Record<string, string>;
}

/** Config paths holding durations (ms) and sizes (bytes): a file may write `20s` or `512KB` there, as the environment may. */
export const DURATION_PATHS: readonly string[] = ['/shutdownTimeout', '/drainGrace', '/hookTimeout', '/registerTimeout', '/websocket/pingInterval', '/websocket/pongWait', '/websocket/authTimeout', '/websocket/sweepInterval'];
export const SIZE_PATHS: readonly string[] = ['/maxHttpBodySize', '/websocket/maxMessageSize', '/websocket/hardMaxMessageSize', '/websocket/maxBackpressure', '/history/maxBytes'];

/** The key of `path` as a file writes it: `/websocket/pingInterval` → `websocket.pingInterval`. */
const dotted = (path: string) => path.slice(1).replaceAll('/', '.');

/** Whether `doc` holds a value at `path` (`/websocket/pingInterval`). */
function writes(doc: Record<string, unknown>, path: string): boolean {
  let at: unknown = doc;
  for (const part of path.slice(1).split('/')) {
    if (!isPlainObject(at) || !Object.hasOwn(at, part)) return false;
    at = at[part];
  }
  return true;
}

/** Durations and sizes written as text in the file become numbers; one that does not parse names its key. */
function fileUnits(doc: Record<string, unknown>, path: string): void {
  const convert = (paths: readonly string[], parse: (text: string) => number | undefined, expected: string) => {
    for (const p of paths) {
      const parts = p.slice(1).split('/');
      let holder: unknown = doc;
      for (const part of parts.slice(0, -1)) holder = isPlainObject(holder) && Object.hasOwn(holder, part) ? holder[part] : undefined;
      const leaf = parts.at(-1)!;
      if (!isPlainObject(holder) || !Object.hasOwn(holder, leaf) || typeof holder[leaf] !== 'string') continue;
      const value = parse(holder[leaf] as string);
      if (value === undefined) {
        const subject = `${path}: ${dotted(p)}`;
        throw new KernelError(KernelErrors.CONFIG, `invalid configuration ${subject}=${JSON.stringify(holder[leaf])}: expected ${expected}`, subject);
      }
      holder[leaf] = value;
    }
  };
  convert(DURATION_PATHS, parseDuration, 'a duration such as 54s, 500ms, 1m or a number of milliseconds');
  convert(SIZE_PATHS, parseSize, 'a size such as 65536, 512KB or 1MiB');
}

/** Read a JSON or YAML (`.yaml`/`.yml`) config file; the Go module's `websocket:` keys become variables. */
export function readConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new KernelError(KernelErrors.CONFIG, `cannot read ACTORWIRE_CONFIG file ${path}: ${(err as Error).message}`, 'ACTORWIRE_CONFIG', err);
  }
  const yaml = /\.ya?ml$/i.test(path);
  let parsed: unknown;
  try {
    parsed = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new KernelError(KernelErrors.CONFIG, `ACTORWIRE_CONFIG file ${path} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message}`, 'ACTORWIRE_CONFIG', err);
  }
  if (parsed === null || parsed === undefined) parsed = {};
  if (!isPlainObject(parsed)) throw new KernelError(KernelErrors.CONFIG, `ACTORWIRE_CONFIG file ${path} must hold an object`, 'ACTORWIRE_CONFIG');
  const file = goKeysToEnv(parsed, path);
  fileUnits(file.doc, path);
  return file;
}

function goKeysToEnv(doc: Record<string, unknown>, path: string): ConfigFile {
  const env: Record<string, string> = {};
  const keys: Record<string, string> = {};
  const ws = doc.websocket;
  if (!isPlainObject(ws)) return { path, doc: structuredClone(doc), env, keys };
  const rest: Record<string, unknown> = { ...ws };
  const take = (obj: Record<string, unknown>, key: string, variable: string, prefix: string) => {
    if (!Object.hasOwn(obj, key)) return;
    const v = obj[key];
    if (v === undefined || v === null) return;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) env[variable] = v.join(',');
    else if (typeof v !== 'object') env[variable] = String(v);
    else return;
    keys[variable] = `${prefix}${key}`;
    delete obj[key];
  };
  for (const [key, variable] of Object.entries(GO_FILE_KEYS)) {
    if (!key.startsWith('limits.')) take(rest, key, variable, 'websocket.');
  }
  if (isPlainObject(rest.limits)) {
    const limits: Record<string, unknown> = { ...rest.limits };
    for (const [key, variable] of Object.entries(GO_FILE_KEYS)) {
      if (key.startsWith('limits.')) take(limits, key.slice(7), variable, 'websocket.limits.');
    }
    if (Object.keys(limits).length === 0) delete rest.limits;
    else rest.limits = limits;
  }
  const out: Record<string, unknown> = structuredClone(doc);
  if (Object.keys(rest).length === 0) delete out.websocket;
  else out.websocket = structuredClone(rest);
  return { path, doc: out, env, keys };
}

/**
 * The environment the kernel and the plugins read: `WIRESTATE_*` renamed, the config file's Go
 * module keys under the real variables, and the Go module's variable aliases applied.
 */
export function effectiveEnv(env: NodeJS.ProcessEnv, file: ConfigFile | undefined = undefined): NodeJS.ProcessEnv {
  const renamed = withDeprecatedEnv(env);
  const withFile = file && Object.keys(file.env).length > 0 ? { ...file.env, ...renamed } : renamed;
  return withCompatEnv(withFile);
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Path of a JSON or YAML config file; defaults to `env.ACTORWIRE_CONFIG`. */
  file?: string;
  overrides?: DeepPartial<ActorwireConfig>;
}

export function loadConfig(opts: LoadConfigOptions = {}): ActorwireConfig {
  const raw = withDeprecatedEnv(opts.env ?? process.env);
  const file = opts.file ?? raw.ACTORWIRE_CONFIG;
  const fromFile = file ? readConfigFile(file) : undefined;
  const env = effectiveEnv(raw, fromFile);
  let config = structuredClone(defaultConfig);
  if (fromFile) config = deepMerge(config, fromFile.doc);
  let fromEnv: DeepPartial<ActorwireConfig>;
  try {
    fromEnv = configFromEnv(env);
  } catch (err) {
    throw asFileError(err, raw, fromFile);
  }
  config = deepMerge(config, fromEnv);
  config = deepMerge(config, opts.overrides);
  // An invalid value is named where it was written: the variable, else the file and its key.
  const setByEnv = (path: string) => {
    const variable = envNames[path];
    return variable !== undefined && raw[variable] !== undefined && raw[variable] !== '' ? variable : undefined;
  };
  const inFile = (path: string) => {
    const variable = envNames[path];
    if (fromFile && variable !== undefined && Object.hasOwn(fromFile.keys, variable)) return `${fromFile.path}: ${fromFile.keys[variable]}`;
    return fromFile && writes(fromFile.doc, path) ? `${fromFile.path}: ${dotted(path) || '(top level)'}` : undefined;
  };
  return checkConfig(config, (path) => setByEnv(path) ?? inFile(path) ?? envNames[path] ?? path);
}

/** A variable's error about a value the file gave (a Go module key): name the file and the key instead. */
function asFileError(err: unknown, raw: NodeJS.ProcessEnv, file: ConfigFile | undefined): unknown {
  const subject = (err as KernelError)?.subject;
  if (!file || typeof subject !== 'string' || raw[subject] !== undefined || !Object.hasOwn(file.keys, subject)) return err;
  const where = `${file.path}: ${file.keys[subject]}`;
  const message = (err as Error).message.replace(`invalid ${subject}=`, `invalid configuration ${where}=`);
  return new KernelError(KernelErrors.CONFIG, message, where, err);
}
