/** The hyper-express app: kernel routes (/health, /metrics) and plugin HTTP routes. */
import HyperExpress from '#hyper-express';
import { randomUUID } from 'node:crypto';
import { SpanKind, SpanStatusCode, context as otelContext, trace, type Span } from '@opentelemetry/api';
import type { RootSpans } from '@actorwire/telemetry';
import type { Logger } from 'pino';
import { isActorwireError } from '@actorwire/errors';
import type { HttpRoute } from '../registries/routes.js';
import type { HttpRequest } from '../types.js';

/** An HTTP server span (semantic conventions) for a route, continuing the caller's `traceparent`. */
function startRouteSpan(roots: RootSpans, r: HttpRoute, req: HyperExpress.Request, scheme: string, client: string): Span | undefined {
  const h = req.headers;
  return roots.startServer(`${r.method.toUpperCase()} ${r.path}`, h, () => ({
    kind: SpanKind.SERVER,
    attributes: {
      'http.request.method': r.method.toUpperCase(),
      'http.route': r.path,
      'url.path': req.path,
      'url.scheme': scheme,
      'client.address': client,
      'actorwire.plugin': r.owner,
      ...(h['user-agent'] !== undefined ? { 'user_agent.original': h['user-agent'] } : {}),
    },
  }));
}

/** What a route handler sees of hyper-express's request: the project's own names, nothing of the layer's. */
function httpRequest(req: HyperExpress.Request, requestId: string, ip: string): HttpRequest {
  return {
    method: req.method,
    path: req.path,
    headers: req.headers,
    params: req.path_parameters,
    query: req.query_parameters,
    ip,
    requestId,
    buffer: () => req.buffer(),
    text: () => req.text(),
  };
}

/** A TLS certificate and key (PEM files), for uWebSockets.js's SSL app. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  passphrase?: string;
}

export function createHttpServer(opts: { maxBodySize: number; tls?: TlsFiles }): HyperExpress.Server {
  // fast_abort off: a body over the limit is answered 413 (after it is read and discarded, never
  // kept), not cut off with a reset the client cannot tell from a crash.
  // auto_close off: hyper-express would otherwise close the server on SIGUSR1 (which only asks
  // Node to open its inspector), SIGUSR2, SIGINT and SIGTERM — abruptly, under the kernel's own
  // graceful drain. Shutdown is the kernel's (`stop()`, and the CLI's SIGTERM/SIGINT handlers).
  const tls = opts.tls === undefined ? {} : { cert_file_name: opts.tls.certFile, key_file_name: opts.tls.keyFile, ...(opts.tls.passphrase !== undefined ? { passphrase: opts.tls.passphrase } : {}) };
  return new HyperExpress.Server({ max_body_length: opts.maxBodySize, fast_abort: false, auto_close: false, ...tls });
}

export interface HttpTelemetry {
  /** Set when spans are exported: a request gets a server span continuing the caller's `traceparent`, or a sampled root. */
  roots: RootSpans | undefined;
  /** `url.scheme` of the spans (`https` on a TLS port). */
  scheme?: string;
}

/** Where a request's client address comes from: the peer, or a trusted proxy's forwarding header. */
export interface ClientAddresses {
  clientOf(peer: string, headers: Readonly<Record<string, string | undefined>>): string;
}

/** A caller's `x-request-id` is kept when it is a sane token; otherwise the request gets one. */
const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** Routes an operator polls (`/health`, `/metrics`): logged at debug and never traced (a trace per scrape is noise). */
const quietRoute = (path: string): boolean => path === '/health' || path === '/metrics';

export function mountHttpRoutes(app: HyperExpress.Server, routes: HttpRoute[], logger: Logger, proxies: ClientAddresses, telemetry?: HttpTelemetry): void {
  for (const r of routes) {
    const route = `${r.method.toUpperCase()} ${r.path}`;
    const quiet = quietRoute(r.path);
    app[r.method](r.path, async (req, res) => {
      const started = performance.now();
      // uWS forbids reading the request once the response is sent: what the log line needs, now.
      const remote = proxies.clientOf(req.ip, req.headers);
      const given = req.headers['x-request-id'];
      const requestId = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
      const request = httpRequest(req, requestId, remote);
      res.header('x-request-id', requestId);
      const span = telemetry?.roots !== undefined && !quiet ? startRouteSpan(telemetry.roots, r, req, telemetry.scheme ?? 'http', remote) : undefined;
      let failure: unknown;
      try {
        const out = span === undefined ? await r.handler(request, res) : await otelContext.with(trace.setSpan(otelContext.active(), span), () => r.handler(request, res));
        if (!res.completed && out !== undefined) res.json(out as object);
      } catch (err) {
        failure = err;
        if (!res.completed) {
          if (isActorwireError(err)) res.status(err.status).json(err.body());
          else res.status(500).json({ error: 'internal server error', code: 'INTERNAL_ERROR' });
        }
        if (!isActorwireError(err)) logger.error({ err, route, plugin: r.owner, request_id: requestId }, 'route handler failed');
      }
      const status = res.statusCode ?? 200;
      const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
      const line = { request_id: requestId, method: r.method.toUpperCase(), route: r.path, status, duration_ms: durationMs, remote, ...(isActorwireError(failure) ? { code: failure.code } : {}) };
      if (quiet) logger.debug(line, 'http request');
      else logger.info(line, 'http request');
      if (span !== undefined) {
        span.setAttribute('http.response.status_code', status);
        if (isActorwireError(failure)) span.setAttribute('actorwire.error.code', failure.code);
        if (status >= 500) {
          if (failure !== undefined) span.recordException(failure as Error);
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
      }
    });
  }
  app.set_not_found_handler((_req, res) => {
    res.status(404).json({ error: 'not found', code: 'NOT_FOUND' });
  });
  app.set_error_handler((req, res, err) => {
    logger.error({ err, path: req.path }, 'http error');
    if (!res.completed) res.status(500).json({ error: 'internal server error', code: 'INTERNAL_ERROR' });
  });
}
