/**
 * WebSocket routes, registered on hyper-express's uWebSockets.js app directly: the upgrade
 * runs `onUpgrade` hooks (which may answer with an HTTP status instead), and each accepted
 * socket becomes a Session with its actor. We bypass hyper-express's per-socket EventEmitter
 * wrapper to save memory and reach uWS options it does not expose (see README).
 */
import type { Logger } from 'pino';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context as otelContext, trace, type Span } from '@opentelemetry/api';
import type { RootSpans } from '@actorwire/telemetry';
import uws from '#uws';
import type { HttpRequest, HttpResponse, TemplatedApp, us_socket_context_t, WebSocket } from '#uws';
import type { ActorwireConfig } from '@actorwire/config';
import { CloseCodes, KernelError, KernelErrors, isActorwireError, protocolError, type ActorwireError } from '@actorwire/errors';
import { HookFailure, type HookRegistry } from '../registries/hooks.js';
import { paramNames } from '../registries/routes.js';
import type { InboundHandler } from '../sessions/inbound.js';
import type { Sessions } from '../sessions/registry.js';
import { SessionImpl, type SessionEnv } from '../sessions/session.js';
import type { Topics } from '../registries/topics.js';
import type { AuthMode, Clock, Dialect, Frame, WsRouteOptions } from '../types.js';
import type { MachineRuntime } from '@actorwire/actors';
import type { TrustedProxies } from './client-address.js';
import type { SessionMachine } from '../sessions/machine.js';
import type { KernelMetrics } from '@actorwire/telemetry';
import { Admission } from './admission.js';
import { CorkAnchor, corkEpilogueBug } from './cork-anchor.js';
import { detectUws } from './uws-info.js';
import { CANONICAL_DIALECT, type Dialects } from '../registries/dialects.js';
import { UpgradeRequestImpl } from './upgrade-request.js';

interface SocketData {
  req?: UpgradeRequestImpl;
  session?: SessionImpl;
}

export interface WsServerDeps {
  config: ActorwireConfig;
  hooks: HookRegistry;
  sessions: Sessions;
  topics: Topics;
  inbound: InboundHandler;
  logger: Logger;
  /** Set when spans are exported (see telemetry/tracing.ts); when not, the upgrade makes none. */
  roots?: RootSpans | undefined;
  metrics: KernelMetrics;
  /** Effective auth mode for a route (kernel default resolved). */
  authMode(route: WsRouteOptions): AuthMode;
  draining(): boolean;
  broadcastTopic: string;
  /** Root actor whose system every session actor shares. */
  sessionRuntime: MachineRuntime<SessionMachine>;
  /** Whose forwarding headers are believed (the client address of every upgrade). */
  proxies: TrustedProxies;
  /** The kernel clock: activity stamps are compared against the session timers on it. */
  clock: Clock;
  dialects: Dialects;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** Answer a refused upgrade and close the connection: it asked to become a WebSocket, not to stay an idle HTTP keep-alive. */
function writeJson(res: HttpResponse, status: number, body: Record<string, unknown>): void {
  res.writeStatus(`${status} ${STATUS_TEXT[status] ?? 'Error'}`).writeHeader('content-type', 'application/json').end(JSON.stringify(body), true);
}

function originAllowed(allowed: string[], origin: string | undefined): boolean {
  if (allowed.length === 0 || allowed.includes('*')) return true;
  // Non-browser clients send no Origin; origin checks protect browsers only.
  if (origin === undefined || origin === '') return true;
  return allowed.includes(origin);
}

/**
 * RFC 6455 §4.2.1: the Connection header must carry the `upgrade` token. Beyond correctness this
 * matters to uWS: `Connection: close` marks the response to close when done, and an upgrade
 * completed later outside uWS's own cork would then run on a socket that was just closed.
 */
function connectionUpgrades(value: string | undefined): boolean {
  if (value === undefined) return false;
  for (const token of value.split(',')) if (token.trim().toLowerCase() === 'upgrade') return true;
  return false;
}

/** Does the client offer the canonical protocol's subprotocol (`actorwire`)? */
function offersCanonical(offered: string): boolean {
  if (!offered.includes(CANONICAL_DIALECT)) return false;
  for (const raw of offered.split(',')) if (raw.trim().toLowerCase() === CANONICAL_DIALECT) return true;
  return false;
}

/** The first offered `actorwire.<name>` subprotocol (a dialect this server does not define when called). */
function unknownDialectProtocol(offered: string): string | undefined {
  const prefix = `${CANONICAL_DIALECT}.`;
  if (!offered.includes(prefix)) return undefined;
  for (const raw of offered.split(',')) {
    const sp = raw.trim();
    if (sp.toLowerCase().startsWith(prefix)) return sp.slice(prefix.length);
  }
  return undefined;
}

function fillTemplate(template: string, params: Record<string, string>): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, k: string) => params[k] ?? '');
}

export function mountWsRoutes(app: TemplatedApp, routes: ReadonlyMap<string, WsRouteOptions>, deps: WsServerDeps): CorkAnchor | undefined {
  const { config, hooks, sessions, topics, inbound, logger, metrics, clock, dialects } = deps;
  const roots = deps.roots;
  const broadcastTopic = deps.broadcastTopic;
  const ws = config.websocket;
  // uWS's own idle guard, a backstop behind the session machine's heartbeat; uWS refuses more than 960 s.
  const idleTimeout = Math.min(960, Math.max(8, Math.ceil(ws.pongWait / 1000 / 4) * 4 + 8));

  // Only async upgrades (an onUpgrade hook) need the anchor, and only on builds with the bug.
  const useAnchor = hooks.has('onUpgrade') && (ws.corkAnchor === 'on' || (ws.corkAnchor === 'auto' && corkEpilogueBug(detectUws())));
  const anchor = useAnchor ? new CorkAnchor(logger) : undefined;
  const admission = new Admission({ maxConnectionsPerIp: ws.maxConnectionsPerIp, upgradesPerIpPerSecond: ws.upgradesPerIpPerSecond });
  anchor?.mount(app);

  for (const [pattern, options] of routes) {
    const names = paramNames(pattern);
    const wanted = options.dialect ?? config.defaultDialect;
    const routeDialect = wanted === CANONICAL_DIALECT ? undefined : dialects.get(wanted);
    if (wanted !== CANONICAL_DIALECT && routeDialect === undefined) {
      const by = options.dialect !== undefined ? `route ${pattern} names dialect` : `ACTORWIRE_DIALECT names dialect`;
      throw new KernelError(KernelErrors.UNKNOWN_DIALECT, `${by} "${wanted}", which no plugin defines (defined: ${[CANONICAL_DIALECT, ...dialects.names()].join(', ')})`, options.dialect !== undefined ? pattern : 'ACTORWIRE_DIALECT');
    }
    const authMode = deps.authMode(options);
    const sessionEnv: SessionEnv = {
      runtime: deps.sessionRuntime,
      maxSubscriptions: ws.maxSubscriptionsPerConnection,
      authRequired: authMode === 'required',
      maxBackpressure: ws.maxBackpressure,
      closeSlowConsumers: ws.slowConsumer === 'close',
      onClosed: onSessionClosed,
      onSent: countDirectSend,
      joinAutoTopics: options.autoTopics?.length ? (s) => joinAutoTopics(s, options.autoTopics!) : undefined,
      dialects,
      decode: options.decode,
    };

    /** The upgrade as an HTTP server span (semantic conventions), continuing the client's `traceparent`. */
    const startUpgradeSpan = (up: UpgradeRequestImpl, roots: RootSpans): Span | undefined =>
      roots.startServer(`GET ${pattern}`, up.headers, () => ({
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': 'GET',
          'http.route': pattern,
          // A path segment may carry a token (`tokenParam`): then only the route is recorded.
          'url.path': options.tokenParam === undefined ? up.url : pattern,
          'url.scheme': config.tls.certFile !== undefined ? 'https' : 'http',
          'network.protocol.name': 'http',
          'network.protocol.version': '1.1',
          'client.address': up.remoteAddress,
          ...(up.headers['user-agent'] !== undefined ? { 'user_agent.original': up.headers['user-agent'] } : {}),
        },
      }));
    const endUpgradeSpan = (up: UpgradeRequestImpl, aborted?: 'aborted'): void => {
      const span = up.span!;
      const status = aborted ? 499 : up.rejection ? up.rejection.status : 101;
      span.setAttribute('http.response.status_code', status);
      if (up.rejection) span.setAttribute('actorwire.error.code', String(up.rejection.body.code ?? ''));
      // Server spans: only 5xx are errors of ours (4xx are the client's), per the HTTP conventions.
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: String(up.rejection?.body.error ?? status) });
      if (up.identity) span.setAttribute('enduser.id', up.identity.userId);
      span.end();
    };

    const accept = (res: HttpResponse, up: UpgradeRequestImpl, key: string, offered: string, ext: string, context: us_socket_context_t): void => {
      if (up.span !== undefined) endUpgradeSpan(up);
      if (up.rejection) {
        metrics.upgradesRejected++;
        writeJson(res, up.rejection.status, up.rejection.body);
        return;
      }
      // Only a subprotocol the server speaks is echoed: one a hook chose (the auth marker), the
      // dialect's, or the canonical `actorwire`. Offering none of them gets no echo (RFC 6455 §4.2.2).
      const protocol = up.protocol ?? up.dialectProtocol ?? (offersCanonical(offered) ? CANONICAL_DIALECT : '');
      res.upgrade<SocketData>({ req: up }, key, protocol, ext, context);
    };

    // An upgrade finished after an await runs under another socket's cork: see CorkAnchor.
    const upgradeLater = (res: HttpResponse, fn: () => void): void => {
      const corked = () => { res.cork(fn); };
      if (anchor === undefined) return corked();
      if (anchor.cork(corked)) return;
      for (const s of sessions.all()) if (s.corkWith(corked)) return;
      corked();
    };

    app.ws<SocketData>(pattern, {
      compression: uws.DISABLED,
      // uWS cuts frames over maxPayloadLength without a close frame (1006); we want 1009, so uWS
      // gets a ceiling above the hard limit and the pipeline closes gracefully up to it.
      maxPayloadLength: ws.hardMaxMessageSize * 2,
      maxBackpressure: ws.maxBackpressure,
      closeOnBackpressureLimit: ws.slowConsumer === 'close',
      idleTimeout,
      sendPingsAutomatically: true,

      upgrade: (res: HttpResponse, req: HttpRequest, context: us_socket_context_t) => {
        // Header names come from the client: a null-prototype object, so `__proto__` or `constructor` are just names.
        const headers: Record<string, string> = Object.create(null) as Record<string, string>;
        req.forEach((k, v) => { headers[k] = v; });
        const params: Record<string, string> = {};
        let badParam: string | undefined;
        for (let i = 0; i < names.length; i++) {
          const raw = req.getParameter(i) ?? '';
          try {
            params[names[i]!] = decodeURIComponent(raw);
          } catch {
            // A malformed %-escape: answered below; the name (never the value: it may be a token) is reported.
            badParam ??= names[i]!;
            params[names[i]!] = '';
          }
        }
        const url = req.getUrl();
        const key = headers['sec-websocket-key'] ?? '';
        const offered = headers['sec-websocket-protocol'] ?? '';
        const ext = headers['sec-websocket-extensions'] ?? '';
        const remote = deps.proxies.clientOf(Buffer.from(res.getRemoteAddressAsText()).toString(), headers);
        const up = new UpgradeRequestImpl(pattern, url, req.getQuery() ?? '', params, headers, remote, options, authMode);
        // No span at all when nothing is exported: a connect storm allocates nothing for tracing.
        if (roots !== undefined) up.span = startUpgradeSpan(up, roots);

        if (admission.enabled) {
          const refused = admission.checkUpgrade(remote);
          if (refused) up.reject(refused.status, refused.body);
        }
        if (!up.rejected) chooseDialect(up, offered, routeDialect);
        if (up.rejected) return accept(res, up, key, offered, ext, context);
        if (!connectionUpgrades(headers.connection)) up.reject(400, { error: 'a WebSocket upgrade needs "Connection: Upgrade"', code: 'INVALID_MESSAGE' });
        else if (badParam !== undefined) up.reject(400, { error: `malformed percent-encoding in path parameter ${badParam}`, code: 'INVALID_MESSAGE' });
        else if (deps.draining()) up.reject(503, { error: 'server is shutting down', code: 'SHUTTING_DOWN' });
        else if (!originAllowed(config.allowedOrigins, headers.origin)) up.reject(403, { error: 'origin not allowed', code: 'FORBIDDEN' });
        if (up.rejected || !hooks.has('onUpgrade')) return accept(res, up, key, offered, ext, context);

        // A failed hook answers its ActorwireError's status (the runner logged anything else as 500).
        const refuse = (err: ActorwireError): void => up.reject(err.status, { error: err.message, code: err.code });
        let pending: Promise<void> | undefined;
        try {
          // When tracing, what the hooks do (a JWKS fetch, say) is part of the upgrade's span.
          pending = up.span === undefined ? hooks.runSyncFirst('onUpgrade', up) : otelContext.with(trace.setSpan(ROOT_CONTEXT, up.span), () => hooks.runSyncFirst('onUpgrade', up));
        } catch (err) {
          refuse(err as ActorwireError);
        }
        if (pending === undefined) {
          // Every hook answered in this tick (no token, a cached or HMAC token): finish inside
          // uWS's own upgrade handler, corked with the 101 — the cheapest path, one write.
          return accept(res, up, key, offered, ext, context);
        }
        let aborted = false;
        res.onAborted(() => { aborted = true; });
        pending.then(() => undefined, refuse).then(() => {
          if (aborted) {
            if (up.span !== undefined) endUpgradeSpan(up, 'aborted');
            return;
          }
          if (up.rejection) res.cork(() => accept(res, up, key, offered, ext, context));
          else upgradeLater(res, () => accept(res, up, key, offered, ext, context));
        });
      },

      open: (socket: WebSocket<SocketData>) => {
        const data = socket.getUserData();
        const up = data.req!;
        data.req = undefined;
        if (deps.draining()) {
          socket.end(CloseCodes.SERVICE_RESTART, 'server restarting');
          return;
        }
        // Sockets that must authenticate and have not have their own, smaller budget: they cannot
        // take the slots of users with a token (anonymous sessions of optional routes are users).
        const squatting = up.identity === undefined && sessionEnv.authRequired && ws.maxUnauthenticated > 0 && sessions.awaitingAuthCount() >= ws.maxUnauthenticated;
        let full = ws.maxConnections > 0 && sessions.count() >= ws.maxConnections;
        // At capacity a user with a token takes the slot of the oldest socket that has none yet
        // (4408, as if its auth deadline had passed): tokenless sockets never hold users out,
        // whatever the two budgets are.
        if (full && up.identity !== undefined) {
          const evicted = sessions.takeOldestAwaitingAuth();
          if (evicted !== undefined) {
            evicted.close(CloseCodes.AUTH_TIMEOUT, 'the server is full: a user with a token took this unauthenticated slot');
            full = false;
          }
        }
        if (full || squatting || (admission.enabled && admission.overConnections(up.remoteAddress))) {
          const err = protocolError('SERVER_FULL');
          metrics.countError(err.code);
          socket.send(JSON.stringify({ type: 'error', error: err.message, code: err.code, timestamp: Date.now() }), false);
          socket.end(CloseCodes.SERVER_FULL, err.message);
          return;
        }
        // The route's token segment has done its job at the upgrade: the session keeps no copy.
        if (options.tokenParam !== undefined) delete up.params[options.tokenParam];
        const session = new SessionImpl({
          ws: socket,
          route: pattern,
          params: up.params,
          rawQuery: up.rawQuery,
          env: sessionEnv,
          remoteAddress: up.remoteAddress,
          identity: up.identity,
          data: up.data,
          now: clock.now(),
          ...(up.dialect ? { dialect: up.dialect } : {}),
          traceLink: up.span === undefined ? undefined : up.span.spanContext(),
        });
        data.session = session;
        sessions.add(session);
        admission.opened(session.remoteAddress);
        sessions.attachIdentity(session);
        session.joinSystemTopic(broadcastTopic);
        const connected: Frame = {
          type: 'connected',
          data: { client_id: session.id, message: 'Connected to WebSocket server', ...(session.userId !== undefined ? { user_id: session.userId } : {}) },
          timestamp: Date.now(),
        };
        session.send(connected);
        session.start();
        logger.info({ client_id: session.id, user_id: session.userId ?? null, route: pattern, remote: session.remoteAddress }, 'client connected');
        // Frames that arrive while onOpen hooks run wait for them (bounded by the rate limit's burst).
        if (hooks.has('onOpen') || options.autoTopics?.length) {
          session.pendingFrames = [];
          session.opened = afterOpen(session);
        }
      },

      message: (socket: WebSocket<SocketData>, message: ArrayBuffer) => {
        const s = socket.getUserData().session;
        if (!s) return;
        if (s.pendingFrames === undefined) return inbound(s, message);
        if (s.pendingFrames.length >= maxPending) return s.close(CloseCodes.POLICY_VIOLATION, 'too many frames before open completed');
        s.pendingFrames.push(message.slice(0));
      },

      pong: (socket: WebSocket<SocketData>) => {
        const s = socket.getUserData().session;
        if (s) s.lastSeen = clock.now();
      },

      close: (socket: WebSocket<SocketData>, code: number, message: ArrayBuffer) => {
        const s = socket.getUserData().session;
        if (!s) return;
        s.socketClosed = true;
        s.closeInfo = { code, reason: Buffer.from(message).toString() };
        s.dispatch({ type: 'SOCKET_CLOSED' });
      },
    });
  }

  const maxPending = Math.max(16, ws.rateLimit.burst);

  async function afterOpen(session: SessionImpl): Promise<void> {
    try {
      if (hooks.has('onOpen')) await hooks.run('onOpen', session);
      // A session still authenticating joins them when it authenticates (sessions.authenticate).
      if (session.phase === 'ready') await session.joinAutoTopics();
    } catch (err) {
      if (isActorwireError(err)) session.sendError(err);
      else logger.error({ err, session: session.id }, 'opening the session failed');
      // A session whose open hooks broke is in an unknown state: end it (an ActorwireError may have closed it already).
      if (!isActorwireError(err) || err instanceof HookFailure) session.close(CloseCodes.INTERNAL_ERROR, 'internal server error');
    } finally {
      const queued = session.pendingFrames ?? [];
      session.pendingFrames = undefined;
      for (const frame of queued) if (!session.socketClosed) inbound(session, frame);
    }
  }

  async function joinAutoTopics(session: SessionImpl, templates: readonly string[]): Promise<void> {
    try {
      for (const template of templates) {
        if (session.socketClosed) return;
        await topics.subscribe(session, fillTemplate(template, session.params), { skipAuthorization: true });
      }
    } catch (err) {
      if (isActorwireError(err)) session.sendError(err);
      else logger.error({ err, session: session.id }, 'joining automatic topics failed');
    }
  }

  return anchor;

  /**
   * `?dialect=` first, then an offered subprotocol, then the route's. A dialect no loaded plugin
   * defines — by name, or as an offered `actorwire.*` subprotocol when no offered one is known —
   * is a 400 UNKNOWN_DIALECT, never a silent fall back to the canonical protocol.
   */
  function chooseDialect(up: UpgradeRequestImpl, offered: string, routeDialect: Dialect | undefined): void {
    const unknown = (name: string): void =>
      up.reject(400, { error: `unknown dialect ${JSON.stringify(name.slice(0, 32))}`, code: 'UNKNOWN_DIALECT', dialects: [CANONICAL_DIALECT, ...dialects.names()] });
    const asked = up.rawQuery.includes('dialect=') ? up.query.get('dialect') : null;
    if (asked !== null && asked !== '') {
      if (asked === CANONICAL_DIALECT) return;
      const d = dialects.get(asked);
      if (d === undefined) return unknown(asked);
      up.dialect = d;
      return;
    }
    const bySubprotocol = dialects.size === 0 ? undefined : dialects.fromSubprotocols(offered);
    if (bySubprotocol) {
      up.dialect = bySubprotocol.dialect;
      up.dialectProtocol = bySubprotocol.subprotocol;
      return;
    }
    if (offered !== '' && !offersCanonical(offered)) {
      const named = unknownDialectProtocol(offered);
      if (named !== undefined) return unknown(named);
    }
    up.dialect = routeDialect;
  }

  function countDirectSend(): void {
    metrics.direct++;
  }

  function onSessionClosed(s: SessionImpl): void {
    sessions.remove(s);
    admission.closed(s.remoteAddress);
    const left = topics.removeSession(s);
    const { code, reason } = s.closeInfo ?? { code: CloseCodes.NORMAL, reason: '' };
    logger.info({ client_id: s.id, user_id: s.userId ?? null, route: s.route, code, reason, duration_ms: clock.now() - s.connectedAt }, 'client disconnected');
    void (async () => {
      // Disconnect hooks never overtake open hooks of the same session. runAll logs failures.
      if (s.opened) await s.opened;
      if (hooks.has('onUnsubscribe')) for (const t of left) await hooks.runAll('onUnsubscribe', s, t);
      if (hooks.has('onDisconnect')) await hooks.runAll('onDisconnect', s, code, reason);
    })();
  }
}
