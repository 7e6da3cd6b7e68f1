/** The kernel's configuration: its shape, its JSON schema and its defaults. */
import { OTLP_PROTOCOLS, SAMPLERS, type OtelConfig } from '@actorwire/telemetry';

export interface RateLimitConfig {
  /** Sustained inbound messages per second per connection; 0 disables the limit. */
  messagesPerSecond: number;
  /** Bucket size: how many messages may arrive at once. */
  burst: number;
  /** Consecutive rate-limited messages after which the session is closed with 4429. */
  maxViolations: number;
}

export interface WebSocketConfig {
  /** Largest inbound frame answered normally (bytes); larger ones get TOO_LARGE. */
  maxMessageSize: number;
  /** Frames beyond this close the session with 1009; beyond twice this, uWebSockets.js drops the connection (1006). */
  hardMaxMessageSize: number;
  /** Silence after which the server pings the client (ms). */
  pingInterval: number;
  /** Silence after which the session is considered dead and closed (ms). */
  pongWait: number;
  /** Time a session has to authenticate when it connected without a token (ms). */
  authTimeout: number;
  /** 0 = unlimited. */
  maxConnections: number;
  /**
   * Sessions that must authenticate and have not yet (connected without a token to a route that
   * requires one) at most; beyond, new ones get SERVER_FULL (1013). Keeps `maxConnections -
   * maxUnauthenticated` slots for users with a token however many sockets squat. 0 = no budget.
   */
  maxUnauthenticated: number;
  /** Open connections from one remote address at most; beyond, the upgrade answers 429. 0 = unlimited. */
  maxConnectionsPerIp: number;
  /** Upgrade requests per second from one remote address (bursts of twice that); beyond, 429. 0 = unlimited. */
  upgradesPerIpPerSecond: number;
  /** Topics one session may join (its user topic excluded); 0 = unlimited. */
  maxSubscriptionsPerConnection: number;
  /** Bytes buffered for a slow receiver before it is dropped from fan-out or closed. */
  maxBackpressure: number;
  /** What happens to a receiver past `maxBackpressure`: drop its messages, or close it. */
  slowConsumer: 'drop' | 'close';
  /** Resolution of the shared timer wheel that runs every session deadline (auth, heartbeat, token expiry), ms. */
  sweepInterval: number;
  /**
   * Upgrades finished after an await run under a loopback socket's cork (server/cork-anchor.ts):
   * `auto` does so on the uWebSockets.js builds known to need it, `on`/`off` force it.
   * Env ACTORWIRE_CORK_ANCHOR.
   */
  corkAnchor: 'auto' | 'on' | 'off';
  rateLimit: RateLimitConfig;
}

export interface ActorwireConfig {
  port: number;
  host: string;
  /** Unique per process; generated when absent. */
  instanceId?: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Origins allowed to open WebSockets; empty = any. `*` allows any explicitly. */
  allowedOrigins: string[];
  /** Max time between SIGTERM and exit (ms). */
  shutdownTimeout: number;
  /**
   * On a drain, how long sessions asked to reconnect (`{"type":"reconnect"}`) get to close by
   * themselves — after their last frame, so nothing they sent is lost — before the rest are
   * closed with 1012 (ms; 0: close at once). Env ACTORWIRE_DRAIN_GRACE.
   */
  drainGrace: number;
  /** Longest a hook may take before it counts as failed (ms; 0: no limit). */
  hookTimeout: number;
  /** Longest a plugin's `register` may take before startup fails naming it (ms; 0: no limit). Env ACTORWIRE_REGISTER_TIMEOUT. */
  registerTimeout: number;
  /** Default auth mode of ws routes that do not say: required when an auth plugin is loaded. */
  defaultAuth: 'required' | 'optional' | 'none';
  /** Wire dialect of routes that name none (`actorwire`: the canonical protocol). Env ACTORWIRE_DIALECT. */
  defaultDialect: string;
  /** Prefix of the per-user topic every authenticated session joins. */
  userTopicPrefix: string;
  /** Largest HTTP body accepted by kernel and plugin routes (bytes). */
  maxHttpBodySize: number;
  /**
   * Reverse proxies whose `Forwarded` / `X-Forwarded-For` are believed (addresses and CIDRs).
   * Empty: every peer is the client. Env ACTORWIRE_TRUSTED_PROXIES.
   */
  trustedProxies: string[];
  websocket: WebSocketConfig;
  /** Traces: the standard OTEL_* variables (read by `@actorwire/config`). */
  otel: OtelConfig;
  /**
   * Operator endpoints: `/metrics` and every `/admin/*` route. With `port` they are served on a
   * server of their own (`host`, default 127.0.0.1) and not on the main port; with `token`
   * `/metrics` wants `Authorization: Bearer <token>` (the `/admin/*` routes keep their own auth).
   * Env ACTORWIRE_METRICS_PORT, ACTORWIRE_METRICS_HOST, ACTORWIRE_METRICS_TOKEN.
   */
  metrics: { port?: number; host: string; token?: string };
  /**
   * The kernel's broker (one instance, in memory) keeps the history of topics that have one
   * (`topics.define(pattern, { history })`) within these limits: characters over every topic
   * (the least recently used topics' oldest go first) and topics at most (the least recently
   * used is forgotten, its epoch with it). Env HISTORY_MAX_BYTES, HISTORY_MAX_ROOMS.
   */
  history: { maxBytes: number; maxTopics: number };
  /**
   * TLS on the main port (wss:// and https://, uWebSockets.js's SSL app): both files or neither,
   * PEM; `passphrase` for an encrypted key. Read at start; a new certificate takes a restart.
   * Env TLS_CERT_FILE, TLS_KEY_FILE, TLS_KEY_PASSPHRASE.
   */
  tls: { certFile?: string; keyFile?: string; passphrase?: string };
  /** Options per plugin name (from a config file), merged over `optionsFromEnv`. */
  plugins: Record<string, Record<string, unknown>>;
}

export const defaultConfig: ActorwireConfig = {
  port: 8080,
  host: '0.0.0.0',
  logLevel: 'info',
  allowedOrigins: [],
  shutdownTimeout: 10_000,
  drainGrace: 2_000,
  hookTimeout: 10_000,
  registerTimeout: 30_000,
  defaultAuth: 'required',
  defaultDialect: 'actorwire',
  userTopicPrefix: 'user:',
  maxHttpBodySize: 1024 * 1024,
  trustedProxies: [],
  websocket: {
    maxMessageSize: 512_000,
    hardMaxMessageSize: 1024 * 1024,
    pingInterval: 54_000,
    pongWait: 60_000,
    authTimeout: 10_000,
    maxConnections: 10_000,
    maxUnauthenticated: 1_000,
    maxConnectionsPerIp: 0,
    upgradesPerIpPerSecond: 0,
    maxSubscriptionsPerConnection: 100,
    maxBackpressure: 1024 * 1024,
    slowConsumer: 'drop',
    sweepInterval: 1_000,
    corkAnchor: 'auto',
    rateLimit: { messagesPerSecond: 100, burst: 200, maxViolations: 50 },
  },
  otel: { serviceName: 'actorwire', protocol: 'http/protobuf', sampler: 'parentbased_always_on', enabled: true },
  metrics: { host: '127.0.0.1' },
  history: { maxBytes: 128 * 1024 * 1024, maxTopics: 10_000 },
  tls: {},
  plugins: {},
};

const positiveInt = { type: 'integer', minimum: 1 } as const;
const nonNegativeInt = { type: 'integer', minimum: 0 } as const;

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    host: { type: 'string', minLength: 1 },
    instanceId: { type: 'string', minLength: 1, maxLength: 128 },
    logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    allowedOrigins: { type: 'array', items: { type: 'string', minLength: 1 } },
    shutdownTimeout: positiveInt,
    drainGrace: nonNegativeInt,
    hookTimeout: { type: 'integer', minimum: 0 },
    registerTimeout: { type: 'integer', minimum: 0 },
    defaultAuth: { enum: ['required', 'optional', 'none'] },
    defaultDialect: { type: 'string', pattern: '^[a-z][a-z0-9_.-]{0,31}$' },
    userTopicPrefix: { type: 'string', minLength: 1 },
    maxHttpBodySize: positiveInt,
    trustedProxies: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 64 }, maxItems: 1024 },
    websocket: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxMessageSize: positiveInt,
        hardMaxMessageSize: positiveInt,
        pingInterval: positiveInt,
        pongWait: positiveInt,
        authTimeout: positiveInt,
        maxConnections: nonNegativeInt,
        maxUnauthenticated: nonNegativeInt,
        maxConnectionsPerIp: nonNegativeInt,
        upgradesPerIpPerSecond: nonNegativeInt,
        maxSubscriptionsPerConnection: nonNegativeInt,
        maxBackpressure: positiveInt,
        slowConsumer: { enum: ['drop', 'close'] },
        sweepInterval: { type: 'integer', minimum: 10 },
        corkAnchor: { enum: ['auto', 'on', 'off'] },
        rateLimit: {
          type: 'object',
          additionalProperties: false,
          properties: {
            messagesPerSecond: nonNegativeInt,
            burst: positiveInt,
            maxViolations: positiveInt,
          },
        },
      },
    },
    otel: {
      type: 'object',
      additionalProperties: false,
      properties: {
        endpoint: { type: 'string', format: 'uri' },
        tracesEndpoint: { type: 'string', format: 'uri' },
        protocol: { enum: [...OTLP_PROTOCOLS] },
        headers: { type: 'object', additionalProperties: { type: 'string' } },
        timeout: { type: 'integer', minimum: 1 },
        compression: { enum: ['gzip', 'none'] },
        sampler: { enum: [...SAMPLERS] },
        samplerArg: { type: 'number', minimum: 0, maximum: 1 },
        serviceName: { type: 'string', minLength: 1 },
        resourceAttributes: { type: 'object', additionalProperties: { type: 'string' } },
        enabled: { type: 'boolean' },
      },
    },
    history: {
      type: 'object',
      additionalProperties: false,
      properties: { maxBytes: { type: 'integer', minimum: 1024 }, maxTopics: positiveInt },
    },
    metrics: {
      type: 'object',
      additionalProperties: false,
      properties: {
        port: { type: 'integer', minimum: 0, maximum: 65535 },
        host: { type: 'string', minLength: 1 },
        token: { type: 'string', minLength: 16 },
      },
    },
    tls: {
      type: 'object',
      additionalProperties: false,
      properties: {
        certFile: { type: 'string', minLength: 1 },
        keyFile: { type: 'string', minLength: 1 },
        passphrase: { type: 'string' },
      },
    },
    plugins: { type: 'object', additionalProperties: { type: 'object' } },
  },
} as const;
