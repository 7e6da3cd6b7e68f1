/**
 * The public types of the kernel: what a plugin sees through `ctx`.
 * Kept in one file so the contract can be read in one sitting.
 */
import type { Logger } from 'pino';
import type { Tracer, Meter } from '@opentelemetry/api';
import type { JSONSchemaType, AnySchema } from 'ajv';
import type { ActorwireConfig } from '@actorwire/config';
import type { ActorwireError } from '@actorwire/errors';
import type { InputGuard, InputLimits } from '@actorwire/inputs';

export type Awaitable<T> = T | Promise<T>;
export type JsonSchema = AnySchema | JSONSchemaType<unknown>;

/* ---------------------------------------------------------------- identity */

/** Who a session is, once authenticated. Set by an auth plugin through `sessions.authenticate`. */
export interface Identity {
  userId: string;
  role?: string;
  /** Unix epoch milliseconds after which the identity is no longer valid. */
  expiresAt?: number;
  /** Every claim of the credential, for policies. */
  claims: Record<string, unknown>;
}

/* ----------------------------------------------------------------- session */

export type SessionPhase = 'connecting' | 'authenticating' | 'ready' | 'closing' | 'closed';

/** What an outbound frame looks like before serialization. */
export interface Frame {
  type: string;
  timestamp?: number;
  id?: string;
  [key: string]: unknown;
}

/** A connected client. The session actor decides lifecycle; this object is the handle plugins use. */
export interface Session {
  readonly id: string;
  /** The ws route that accepted this session (e.g. `/ws`). */
  readonly route: string;
  /** Route path parameters (`/ws/:entity/:section`). */
  readonly params: Readonly<Record<string, string>>;
  /** Query string of the upgrade request. */
  readonly query: URLSearchParams;
  readonly remoteAddress: string;
  /** The session's wire dialect, undefined for the canonical protocol. */
  readonly dialect: string | undefined;
  readonly connectedAt: number;
  readonly phase: SessionPhase;
  readonly identity: Identity | undefined;
  readonly userId: string | undefined;
  /** Topics this session is subscribed to (its own user topic excluded). */
  readonly topics: ReadonlySet<string>;
  /** Per-plugin scratch space; namespace keys by plugin name. */
  readonly data: Map<string, unknown>;
  /** Serialize and send one frame; `timestamp` is added when missing. Returns false if not sent. */
  send(frame: Frame): boolean;
  /** Send already-serialized JSON. */
  sendRaw(json: string): boolean;
  /**
   * Bytes written to this socket and not yet taken by the client (0 once closed). Past
   * `websocket.maxBackpressure` further frames are dropped (or the session closed): a plugin
   * about to send a burst (a recovery, a page of history) checks what room is left.
   */
  bufferedAmount(): number;
  /** Send an `error` frame for `err` (echoing `id`), closing when the error carries a close code. */
  sendError(err: ActorwireError, id?: string): void;
  /** Ask the actor to close the session gracefully. */
  close(code?: number, reason?: string): void;
}

/* ---------------------------------------------------------------- messages */

/** Inbound message after alias normalization. */
export interface InboundMessage {
  type: string;
  id?: string;
  room?: string;
  data?: unknown;
  [key: string]: unknown;
}

export interface MessageContext<M extends InboundMessage = InboundMessage> {
  session: Session;
  message: M;
  /** Reply to the sender; echoes the request `id` and adds `timestamp`. */
  reply(frame: Frame): void;
  logger: Logger;
}

/** Rewrite an alias frame into the canonical form (or return undefined if it does not apply). */
export type AliasNormalizer = (raw: Record<string, unknown>) => InboundMessage | undefined;

export interface MessageDefinition<M extends InboundMessage = InboundMessage> {
  /** JSON schema of the canonical message (after normalization); compiled once by ajv. */
  schema?: JsonSchema;
  handle(ctx: MessageContext<M>): Awaitable<void>;
  /** Other type names accepted for this message, each with its normalizer. */
  aliases?: Record<string, AliasNormalizer>;
  /** Rewrite other shapes of this same type (e.g. the gateway dialect's `data.channel`). */
  normalize?: AliasNormalizer;
  /** Accept before the session is authenticated (e.g. `auth`, `ping`). */
  allowUnauthenticated?: boolean;
  /** Restrict to these ws routes (default: every route). */
  routes?: string[];
}

export interface MessageRegistry {
  define<M extends InboundMessage = InboundMessage>(type: string, def: MessageDefinition<M>): void;
  has(type: string): boolean;
  types(): string[];
}

/* ----------------------------------------------------- topics and policies */

export type TopicAction = 'subscribe' | 'publish';

export interface AuthorizeInput {
  session: Session;
  topic: string;
  action: TopicAction;
  /** Named captures of the matching pattern (`order-{id}` → `{ id }`). */
  params: Record<string, string>;
}

/** true: allowed; false: FORBIDDEN; a ActorwireError: that error. */
export type AuthorizeResult = boolean | ActorwireError;
export type Authorizer = (input: AuthorizeInput) => Awaitable<AuthorizeResult>;

export interface TopicDefinition {
  /** A policy name (see `policies.define`) or a function. Absent: allowed. */
  authorize?: string | Authorizer;
  /** Separate rule for publishing; defaults to `authorize`. */
  authorizePublish?: string | Authorizer;
  /**
   * A session allowed to publish to a topic stays allowed while it is subscribed to it with the
   * same identity: the kernel remembers the grant and does not ask the rule again on every
   * publish (default true). false: ask on every publish — for rules whose answer can change
   * while nothing about the session does (a database read each time, a clock).
   */
  cachePublishGrants?: boolean;
  /**
   * Topics matching the pattern keep their newest messages: each publish is numbered (`offset`,
   * `epoch` on the frame) by the broker, a subscribe with `since` first receives what the
   * session missed, and `topics.history` pages through them. The kernel's own topics (`$…`) and
   * user topics never keep history.
   */
  history?: HistoryOptions;
}

/** How much a topic with history keeps. */
export interface HistoryOptions {
  /** Messages kept per topic (the newest). */
  size: number;
  /** Keep messages at most this long (ms); 0 or absent: only `size` limits. */
  ttl?: number;
  /** Characters kept per topic at most (the oldest go first); default 4 MiB. */
  maxBytes?: number;
  /** Largest message the topic takes (serialized frame, characters): larger publishes answer TOO_LARGE. Default 64 KiB. */
  maxMessageBytes?: number;
}

/** `HistoryOptions` with every default filled in: what a broker is given. */
export type KeptHistory = Required<HistoryOptions>;

export interface SubscribeOptions {
  skipAuthorization?: boolean;
  /**
   * For a topic with history: the last position the session received. What it missed since is
   * sent to it before any live message of the topic (`recovered: true`), or, when the history no
   * longer covers it or it is more than the session may be sent at once, nothing
   * (`recovered: false`: the application reloads its state).
   */
  since?: StreamPosition;
  /**
   * Limits checked again in the synchronous step right before the join (everything before it may
   * await, and concurrent subscribes may have filled them meanwhile).
   */
  limits?: {
    /** TOO_MANY_SUBSCRIPTIONS when the session already has this many topics. */
    sessionTopics?: number;
    /** ROOM_FULL when the topic already has this many members on this instance. */
    members?: number;
  };
}

/** What a subscribe answers. */
export interface Subscribed {
  /** Local members of the topic once joined (this instance). */
  members: number;
  /** For a topic with history: where the session now is (what it remembers to recover from). */
  position?: StreamPosition;
  /** Only when `since` was given: true when every missed message was sent, in order. */
  recovered?: boolean;
}

export interface TopicRegistry {
  /**
   * Define who may use topics matching `pattern` and whether they keep history. Patterns:
   * literal text, `{name}` captures a segment of `[^:/]+`, and a trailing `*` matches the rest.
   * Each property is taken from the most specific pattern that sets it (most literal
   * characters), so plugins can refine others' rules, and one plugin can give history to
   * topics another authorizes.
   */
  define(pattern: string, def: TopicDefinition): void;
  /** Decide whether `session` may `action` on `topic`. Throws a ActorwireError when not. */
  authorize(session: Session, topic: string, action: TopicAction): Promise<void>;
  /**
   * Subscribe: authorization, onSubscribe hooks, then — with nothing able to run in between —
   * the limits, the recovery of what the session missed (`since`) and the join.
   */
  subscribe(session: Session, topic: string, opts?: SubscribeOptions): Promise<Subscribed>;
  unsubscribe(session: Session, topic: string): Promise<boolean>;
  /**
   * Publish a frame to a topic: authorization (`publish` action) when a session publishes, then
   * `onPublish` hooks (veto/transform), then the broker. Answers false when a hook vetoed. It
   * answers without a promise when nothing on the way awaits (a synchronous or already granted
   * authorization, no onPublish hook, a topic without history on the memory broker), throwing a
   * refusal synchronously then: `await` it, or test for a promise on a hot path.
   */
  publish(session: Session | null, topic: string, frame: Frame): boolean | Promise<boolean>;
  /** The history a topic keeps, or undefined. */
  historyOf(topic: string): KeptHistory | undefined;
  /** A page of a topic's history (INVALID_MESSAGE when it keeps none). Authorization is the caller's. */
  history(topic: string, query: HistoryQuery): Promise<HistoryPage>;
  /** Local subscriber count of a topic (this instance). */
  localCount(topic: string): number;
  /** Local sessions subscribed to a topic (this instance). */
  localMembers(topic: string): ReadonlySet<Session>;
  /** Every topic with local members, with counts. */
  localTopics(): Map<string, number>;
}

export type Policy = Authorizer;

export interface PolicyRegistry {
  define(name: string, fn: Policy): void;
  /** Replace an existing policy (e.g. a runtime backend check instead of claims). */
  override(name: string, fn: Policy): void;
  get(name: string): Policy | undefined;
  check(name: string, input: AuthorizeInput): Promise<AuthorizeResult>;
}

/* ------------------------------------------------------------ the broker */

/** One publish as it travels between instances: serialized once, tagged with its origin. */
export interface BusMessage {
  topic: string;
  /** The JSON frame exactly as subscribers receive it. */
  payload: string;
  /** Instance id of the publisher, so a broker never re-delivers an instance's own messages. */
  origin: string;
  /** W3C traceparent of the publish, when traced. */
  traceparent?: string;
}

/** What `/health` shows of a component (the broker, a plugin's `ctx.health`). */
export interface ComponentHealth {
  status: 'up' | 'degraded' | 'down';
  detail?: string;
  /** Figures of the component (e.g. `rooms`, `bytes`). */
  [figure: string]: unknown;
}

/** Local fan-out: hands a message to this instance's sessions of `topic`. `frame` when the broker has it (dialects use it). */
export type Deliver = (topic: string, payload: string, frame?: Frame) => void;

/**
 * Where publishes go between instances, and where topics with history keep it — one per server.
 * The kernel's is in memory (one instance); a cluster plugin provides another as the `broker`
 * service (`replaces: ['broker']`), e.g. Redis pub/sub with Streams. The kernel serializes each
 * publish once and delivers it locally itself; the broker carries it to the other instances.
 */
export interface Broker {
  readonly name: string;
  /**
   * Connect; `deliver` fans out what arrives from other instances (and, for history, from this
   * one). `history`: some topic pattern keeps history (a broker may skip its history machinery otherwise).
   */
  start(deliver: Deliver, opts: { history: boolean }): Promise<void>;
  /**
   * A publish of a topic without history, already delivered here: carry it to the other
   * instances. Must not throw. Absent: nothing to carry (one instance).
   */
  publish?(msg: BusMessage): void;
  /**
   * A publish of a topic with history: number it (set `offset` and `epoch` on the frame), keep
   * it, and deliver it here (through `deliver`) and on every instance, in offset order. A
   * refusal (TOO_LARGE, UNAVAILABLE) is thrown, or rejected when the answer is a promise.
   */
  append(topic: string, frame: Frame, history: KeptHistory, traceparent?: string): void | Promise<void>;
  /** A page of a topic's history. */
  read(topic: string, history: KeptHistory, query: HistoryQuery): Promise<HistoryPage>;
  /**
   * Prepare a session's join of a topic with history: from the returned join's `take()` (called
   * synchronously right before the session joins) to the join, no live message may be missed
   * or sent twice.
   */
  join(topic: string, history: KeptHistory, since: StreamPosition | undefined): HistoryJoin | Promise<HistoryJoin>;
  /** The first local member of `topic` arrived / the last one left (the broadcast topic is active from start to stop). */
  topicActive?(topic: string, history: KeptHistory | undefined): void;
  topicInactive?(topic: string, history: KeptHistory | undefined): void;
  /** The components it reports on `/health`, by name (e.g. `redis`, `history`). */
  health(): Record<string, ComponentHealth>;
  /** Counts for `actorwire_history_events` (appended, failed, refused, evicted, …). */
  readonly historyStats?: Readonly<Record<string, number>>;
  stop(): Promise<void>;
}

/** A join being prepared (`Broker.join`). */
export interface HistoryJoin {
  /**
   * Synchronously, right before the join: what was published since the position (in order, when
   * one was given; `complete: false` when no longer covered) and the topic's position after it.
   */
  take(): HistoryPage;
  /** Always, once the join is done or abandoned. */
  release(): void;
}

/**
 * The kernel's bus: serialize once, fan out on this instance through uWS topics, hand the same
 * bytes to the broker. Privileged (no authorization, no onPublish hooks): for brokers, presence
 * and diagnostics. Applications publish through `topics.publish`.
 */
export interface Bus {
  readonly instanceId: string;
  /** Serialize once, deliver locally and to the broker. Returns the payload. */
  publish(topic: string, frame: Frame): string;
  /** Publish pre-serialized JSON (`frame`, when given, is what it was serialized from). */
  publishRaw(topic: string, payload: string, frame?: Frame): void;
  /** The topic every session joins at open: publishing to it reaches every connection (on every instance). */
  readonly broadcastTopic: string;
  /** Local subscribers of a topic on this instance (uWS native count). */
  localSubscribers(topic: string): number;
  /**
   * Hear every message of a server topic on this instance — published here or on any other
   * (Socket.IO's `serverSideEmit`): how instances tell each other what sessions need not see.
   * The topic starts with `$` (no session can join it); returns a function that stops listening.
   * A payload is a frame's JSON, as published (`publish(topic, { type, … })`); from other instances
   * it passed the broker's input guard. A listener that throws is logged.
   */
  listen(topic: string, listener: (payload: string) => void): () => void;
}

/* ---------------------------------------------------------------- history */

/** Where a client is in a topic's history: the last offset it received, in the history's epoch. */
export interface StreamPosition {
  offset: number;
  epoch: string;
}

export interface HistoryQuery {
  /** Messages after this position (its epoch must be the history's); absent: from the oldest kept. */
  since?: StreamPosition;
  /** At most this many (the history's own size applies too). */
  limit: number;
  /** Newest first, ending at the newest (`since` ignored). */
  reverse?: boolean;
}

export interface HistoryPage {
  epoch: string;
  /** The topic's newest offset (0: nothing published yet). */
  offset: number;
  /** Each message exactly as subscribers received it (canonical JSON, with `offset` and `epoch`). */
  messages: string[];
  /** false when `since` is no longer covered (trimmed, expired, or another epoch): messages is empty. */
  complete: boolean;
}

/* --------------------------------------------------------------- presence */

export interface PresenceMember {
  userId: string | null;
  connections: number;
}

/**
 * Who is where. The kernel's default counts this instance; a cluster plugin
 * (redis-pubsub) registers a cluster-wide one under the same container name.
 */
export interface Presence {
  count(topic: string): Promise<number>;
  members(topic: string): Promise<PresenceMember[]>;
  topics(): Promise<Record<string, number>>;
  connections(): Promise<number>;
}

/* ----------------------------------------------------------------- routes */

export type AuthMode = 'required' | 'optional' | 'none';

export interface WsRouteOptions {
  /** Whether sessions must authenticate. Default: the kernel's `auth.default` ('required' when an auth plugin is loaded). */
  auth?: AuthMode;
  /** Names of path parameters that may carry a token (e.g. `token` for `/ws/:entity/:section/:token`). */
  tokenParam?: string;
  /** Topics every session on this route joins at open (templates: `{param}` from the path). */
  autoTopics?: string[];
  /** Free-form metadata for plugins (e.g. the analytics scope). */
  meta?: Record<string, unknown>;
  /**
   * Sessions of this route keep the credential they presented (once verified), for plugins that
   * call an upstream on their behalf: `authenticator.credentialOf(session)`. Off by default: a
   * session keeps no copy of its token.
   */
  keepCredential?: boolean;
  /** The wire dialect of this route's sessions (a registered dialect's name); `?dialect=` and subprotocols override it. */
  dialect?: string;
  /**
   * Rewrite each inbound frame of this route (the parsed JSON object, after the dialect's
   * `decode`) into the canonical protocol: a route's own conventions, e.g. the entity routes'
   * `{"action":A}` as message type A. Runs for every frame of the route's sessions, nowhere else.
   */
  decode?(raw: Record<string, unknown>): Record<string, unknown>;
}

/* ---------------------------------------------------------------- dialects */

/** A wire dialect: how a connection's frames look (see core/src/registries/dialects.ts). */
export interface Dialect {
  /** `gateway`, `envelope`, … (`actorwire` is the canonical protocol). */
  readonly name: string;
  /** Sec-WebSocket-Protocol values that select it; the chosen one is echoed. */
  readonly subprotocols?: readonly string[];
  /**
   * The text this dialect's clients receive for a canonical frame, or undefined for nothing.
   * `topic` is the fan-out topic (a room, the user topic `user:<id>`, the broadcast topic), or
   * undefined for a frame sent to one session. A fan-out encodes once per dialect, so the result
   * must not depend on the receiver.
   */
  encode(frame: Frame & Record<string, unknown>, topic: string | undefined): string | undefined;
  /** Rewrite an inbound frame (the parsed JSON object) into the canonical protocol. */
  decode?(raw: Record<string, unknown>): Record<string, unknown>;
  /**
   * The answer to a frame that is not JSON (the text as received, within the size limits), sent
   * as it is instead of `INVALID_JSON` — a dialect whose clients were echoed. Undefined: `INVALID_JSON`.
   */
  text?(text: string): string | undefined;
}

export interface DialectRegistry {
  define(dialect: Dialect): void;
  get(name: string): Dialect | undefined;
  names(): string[];
}

/**
 * The request an HTTP route handler gets. The kernel's HTTP layer (hyper-express) provides it;
 * plugins see only this interface, so the layer can change without breaking them.
 */
export interface HttpRequest {
  readonly method: string;
  /** The path without the query string. */
  readonly path: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Path parameters of the route (`/notify/:room` → `params.room`). */
  readonly params: Readonly<Record<string, string>>;
  /** Query string parameters (the first value of each). */
  readonly query: Readonly<Record<string, string>>;
  /** The peer's address. */
  readonly ip: string;
  /**
   * This request's id: the caller's `x-request-id` when it is a plain token (≤ 128 characters),
   * otherwise a new UUID. Echoed in the response's `x-request-id` and in the kernel's log lines;
   * log it with anything a handler logs about the request.
   */
  readonly requestId: string;
  /** The body, at most `maxHttpBodySize` bytes. */
  buffer(): Promise<Buffer>;
  text(): Promise<string>;
}

/** The response an HTTP route handler writes; methods chain. Returning a value sends it as JSON. */
export interface HttpResponse {
  /** True once the response has been sent. */
  readonly completed: boolean;
  status(code: number): HttpResponse;
  header(name: string, value: string): HttpResponse;
  send(body?: string | Buffer): HttpResponse;
  json(body: unknown): unknown;
}

export type HttpHandler = (req: HttpRequest, res: HttpResponse) => Awaitable<unknown>;
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'options' | 'head';

export interface RouteRegistry {
  ws(path: string, options?: WsRouteOptions): void;
  http(method: HttpMethod, path: string, handler: HttpHandler): void;
  wsRoutes(): ReadonlyMap<string, WsRouteOptions>;
}

/* ----------------------------------------------------------------- hooks */

/** What an `onUpgrade` hook sees: the HTTP request that asks to become a WebSocket. */
export interface UpgradeRequest {
  readonly route: string;
  readonly url: string;
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly remoteAddress: string;
  readonly routeOptions: WsRouteOptions;
  /** The route's effective auth mode (route option, else the kernel default; 'none' when no authenticator is registered). */
  readonly authMode: AuthMode;
  /** The identity an auth hook established (carried into the session). */
  identity?: Identity;
  /** The `Sec-WebSocket-Protocol` value to echo back, chosen by a hook. */
  protocol?: string;
  /** Per-plugin values carried into `session.data`. */
  readonly data: Map<string, unknown>;
  /** Answer with an HTTP status instead of upgrading. */
  reject(status: number, body: Record<string, unknown>): void;
  readonly rejected: boolean;
  /**
   * Remove a query parameter from what the session keeps (`session.query`), e.g. a token: it
   * should not linger in memory for the session's lifetime or reach other plugins.
   */
  redactQueryParam(name: string): void;
}

export interface HookMap {
  onReady: () => Awaitable<void>;
  onClose: () => Awaitable<void>;
  onUpgrade: (req: UpgradeRequest) => Awaitable<void>;
  onOpen: (session: Session) => Awaitable<void>;
  onAuthenticated: (session: Session, identity: Identity) => Awaitable<void>;
  /** Return false (or throw a ActorwireError) to veto the message. */
  onMessage: (session: Session, message: InboundMessage) => Awaitable<void | boolean>;
  /** Return false (or throw a ActorwireError) to veto the subscription. */
  onSubscribe: (session: Session, topic: string) => Awaitable<void | boolean>;
  onUnsubscribe: (session: Session, topic: string) => Awaitable<void>;
  /** Return false to veto, or a new frame to publish instead. `session` is null for server-side publishes. */
  onPublish: (session: Session | null, topic: string, frame: Frame) => Awaitable<void | boolean | Frame>;
  onDisconnect: (session: Session, code: number, reason: string) => Awaitable<void>;
}

export type HookName = keyof HookMap;

/**
 * Where a hook runs. `onMessage` runs by default only for the message types its own plugin
 * defines (as a Fastify hook applies to its own plugin's routes): `types` names others, `'*'`
 * every type. The topic hooks (`onSubscribe`, `onUnsubscribe`, `onPublish`) run for every topic
 * unless `topics` gives a pattern; the connection hooks (`onUpgrade`, `onOpen`,
 * `onAuthenticated`, `onDisconnect`) for every ws route unless `routes` lists some.
 */
export interface HookScope {
  types?: readonly string[] | '*';
  topics?: string;
  routes?: readonly string[];
}

export interface Hooks {
  on<K extends HookName>(name: K, fn: HookMap[K], scope?: HookScope): void;
}

/* --------------------------------------------------------------- sessions */

export interface SessionRegistry {
  get(id: string): Session | undefined;
  count(): number;
  all(): IterableIterator<Session>;
  /** Local sessions of a user. */
  ofUser(userId: string): ReadonlySet<Session>;
  /** Attach an identity: ends `authenticating`, refreshes expiry, joins the user's topic. */
  authenticate(session: Session, identity: Identity): Promise<void>;
  /**
   * Reach every connection of a user, on every instance: a server-side publish to the user's
   * topic, through `onPublish` hooks like every publish. Resolves false when a hook vetoed.
   */
  sendToUser(userId: string, frame: Frame): Promise<boolean>;
  /** The bus topic that carries a user's frames. */
  userTopic(userId: string): string;
}

/* -------------------------------------------------------------- the stats */

/** The kernel's running totals — what `/metrics` counts — for operator plugins (the admin page). */
export interface KernelStats {
  readonly instanceId: string;
  readonly version: string;
  /** Inbound messages accepted, by type (running totals). */
  received(): ReadonlyMap<string, number>;
  /** Error frames sent, by code. */
  errors(): ReadonlyMap<string, number>;
  /** Frames sent: directly to one session, plus fan-out deliveries. */
  sent(): number;
  published(): number;
  upgradesRejected(): number;
  connections(): number;
  users(): number;
  /** The `/health` body (status, components). */
  health(): Record<string, unknown>;
}

/* -------------------------------------------------------------- the clock */

export interface Clock {
  now(): number;
}

/* ------------------------------------------------------- authentication */

/** The HTTP request shape an authenticator reads a token from (an `HttpRequest` fits). */
export interface HttpLikeRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly path?: string;
  readonly ip?: string;
}

/**
 * The `authenticator` service: what an auth plugin provides and other plugins use to verify
 * tokens (HTTP routes, admin APIs). Its presence turns authentication on: WebSocket routes
 * default to `auth: 'required'` (config `defaultAuth`).
 */
export interface Authenticator {
  /** Verify a token; throws an ActorwireError (UNAUTHORIZED 401, or 503 when keys are unavailable). */
  verify(token: string): Promise<Identity>;
  /** The token of an HTTP request (e.g. `Authorization: Bearer`, else a query parameter). */
  tokenFromHttp(req: HttpLikeRequest): string | undefined;
  /**
   * Authenticate an HTTP request: 401 without a token or with a bad one; 403 (FORBIDDEN) when
   * `roles` is given and the token's role is not one of them.
   */
  authenticateHttp(req: HttpLikeRequest, opts?: { roles?: readonly string[] }): Promise<Identity>;
  /** Every algorithm some configured key accepts. */
  readonly algorithms: readonly string[];
  /**
   * The credential `session` presented and the auth plugin verified (at the upgrade, or in its
   * latest `auth` message), on routes with `keepCredential`; undefined otherwise. The only
   * source of a session's token for other plugins: a credential belongs to the session that
   * presented it, so forward it for that session's own requests and nothing else.
   */
  credentialOf(session: Session): string | undefined;
}

/* --------------------------------------------------------------- services */

/**
 * Every service in the container, by name. The kernel provides the first group; plugins add
 * theirs by declaration merging, so lookups are typed wherever the plugin's types are loaded:
 *
 *   declare module '@actorwire/core' {
 *     interface ActorwireServices { notifier: Notifier }
 *   }
 */
export interface ActorwireServices {
  config: ActorwireConfig;
  logger: Logger;
  tracer: Tracer;
  meter: Meter;
  bus: Bus;
  sessions: SessionRegistry;
  topics: TopicRegistry;
  policies: PolicyRegistry;
  /** Replaceable (`replaces: ['presence']`) by a cluster plugin. */
  presence: Presence;
  clock: Clock;
  instanceId: string;
  stats: KernelStats;
  /** Provided by an auth plugin (`provides: ['authenticator']`); absent in open mode. */
  authenticator: Authenticator;
  /** Replaceable (`replaces: ['broker']`) by a cluster plugin; the kernel's is in memory. */
  broker: Broker;
}

export type ServiceName = Extract<keyof ActorwireServices, string>;

/**
 * A plugin's view of the container. It may provide only what its manifest declares
 * (`provides`, `replaces`); it reads any service.
 */
export interface ServiceRegistry {
  /** Provide a value under `name` (declared in `provides` or `replaces`). */
  provide<K extends ServiceName>(name: K, value: ActorwireServices[K]): void;
  /** Provide a factory, called once on first use with the registry (for services built from others). */
  provideFactory<K extends ServiceName>(name: K, factory: (services: ServiceReader) => ActorwireServices[K]): void;
  /** The service; a KernelError (WS_ERR_PLUGIN_MISSING_SERVICE) when nobody provides it. */
  get<K extends ServiceName>(name: K): ActorwireServices[K];
  /** The service, or undefined when nobody provides it (for `uses`: optional services). */
  find<K extends ServiceName>(name: K): ActorwireServices[K] | undefined;
  has(name: ServiceName): boolean;
}

export type ServiceReader = Pick<ServiceRegistry, 'get' | 'find' | 'has'>;

/* ---------------------------------------------------------------- plugins */

/**
 * What a plugin's `register` gets: a facade over the kernel's registries that records this
 * plugin as the owner of everything it registers. Registries are sealed once the server
 * starts: registering later throws WS_ERR_LATE_REGISTRATION.
 *
 * Privileged member (it bypasses topic authorization and `onPublish`; for brokers, presence
 * and diagnostics, not for application pushes): `bus`.
 */
export interface PluginContext {
  readonly name: string;
  readonly config: ActorwireConfig;
  readonly logger: Logger;
  /** Typed services: provide what the manifest declares, read the rest. */
  readonly services: ServiceRegistry;
  readonly messages: MessageRegistry;
  readonly topics: TopicRegistry;
  readonly policies: PolicyRegistry;
  /** Wire dialects other than the canonical protocol. */
  readonly dialects: DialectRegistry;
  readonly routes: RouteRegistry;
  readonly hooks: Hooks;
  readonly sessions: SessionRegistry;
  /** Privileged: publishes here skip authorization and `onPublish`. Use `topics.publish`. */
  readonly bus: Bus;
  readonly tracer: Tracer;
  readonly meter: Meter;
  /** Report a named health component on `/health` (e.g. redis: degraded). */
  health(name: string, check: () => ComponentHealth | Record<string, unknown>): void;
  /**
   * The input guard for a source outside any session (`redis`, `kafka`, `upstream`, …): size
   * (default `websocket.hardMaxMessageSize`), JSON depth (64) and shape checked before anything
   * else reads the input; refusals are counted (`actorwire_inputs_refused{source,reason}`) and
   * logged at a bounded rate. Create one per source at register time.
   */
  inputs(source: string, limits?: Partial<InputLimits>): InputGuard;
}

export interface PluginDefinition<O = Record<string, unknown>> {
  name: string;
  version: string;
  /** Semver range of the kernel API this plugin supports. */
  kernel: string;
  /** Plugins that must be loaded (and register) first: names, or names with a semver range of their version. */
  dependsOn?: readonly string[] | Readonly<Record<string, string>>;
  /** Services this plugin provides (`ctx.services.provide`); two plugins may not provide the same one. */
  provides?: readonly string[];
  /** Services this plugin needs; startup fails when nobody provides one. Their providers register first. */
  requires?: readonly string[];
  /** Services this plugin uses when present; their providers, if loaded, register first. */
  uses?: readonly string[];
  /** Services provided by the kernel or another plugin that this plugin replaces (e.g. `presence`). */
  replaces?: readonly string[];
  /** JSON schema of the options; ajv validates (and fills defaults) before `register`. */
  options?: JsonSchema;
  register(ctx: PluginContext, options: O): Awaitable<void>;
  /** Read plugin options from the environment (used by the CLI when no options are given). */
  optionsFromEnv?(env: NodeJS.ProcessEnv): Partial<O>;
}

export type Plugin<O = any> = Readonly<PluginDefinition<O>> & { readonly __actorwirePlugin: true };

/** A plugin, or a plugin with its options (validated against its `options` schema at start). */
export type PluginEntry = Plugin | [Plugin, object];
