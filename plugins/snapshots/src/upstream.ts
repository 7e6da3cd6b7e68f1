/**
 * One GET to an upstream REST service: a timeout, the caller's token, a body-size limit, and the
 * body kept verbatim (checked to be JSON once, never re-serialised). Failures are SnapshotErrors
 * with stable codes (UPSTREAM_TIMEOUT, UPSTREAM_ERROR with the upstream status, NOT_FOUND).
 * Shared by every plugin that serves REST snapshots (entity snapshots, analytics dashboards).
 */
import { SpanKind, SpanStatusCode, context as otelContext, propagation, trace, type Span, type Tracer } from '@opentelemetry/api';
import { parseUntrustedJson, readBoundedBody, type InputGuard, type InputRefused } from '@actorwire/core';
import { SnapshotError } from './errors.js';

export interface UpstreamOptions {
  /** ms for the whole exchange, body included. */
  timeout: number;
  maxBodyBytes: number;
  /** The plugin's tracer (`ctx.tracer`): calls inside a sampled trace get an HTTP client span. */
  tracer?: Tracer;
  /** Counts and logs bodies refused for their depth or as not JSON (`ctx.inputs('upstream')`). */
  guard?: InputGuard;
}

/** A snapshot as the upstream gave it. */
export interface Snapshot {
  /** The body, verbatim: JSON text. */
  readonly json: string;
  readonly fetchedAt: number;
}

export class UpstreamClient {
  constructor(private readonly o: UpstreamOptions) {}

  /** GET `url` as JSON; `notFound` is the message of the NOT_FOUND error a 404 becomes. */
  async getJson(url: string, token: string | undefined, notFound: string, now: () => number = Date.now): Promise<Snapshot> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    // Inside a sampled trace: an HTTP client span, and the upstream gets its `traceparent`.
    const active = otelContext.active();
    if (this.o.tracer === undefined || !trace.getSpan(active)?.isRecording()) return this.exchange(url, headers, notFound, now);
    const span = this.o.tracer.startSpan('GET', {
      kind: SpanKind.CLIENT,
      attributes: { 'http.request.method': 'GET', 'url.full': redactedUrl(url), 'server.address': new URL(url).hostname },
    }, active);
    propagation.inject(trace.setSpan(active, span), headers);
    try {
      return await this.exchange(url, headers, notFound, now, span);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      if (err instanceof SnapshotError) span.setAttribute('error.type', err.code);
      throw err;
    } finally {
      span.end();
    }
  }

  private async exchange(url: string, headers: Record<string, string>, notFound: string, now: () => number, span?: Span): Promise<Snapshot> {
    let res: Response;
    try {
      res = await fetch(url, { headers, signal: AbortSignal.timeout(this.o.timeout) });
    } catch (err) {
      const name = (err as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new SnapshotError('UPSTREAM_TIMEOUT', `the upstream did not answer within ${this.o.timeout} ms`);
      }
      throw new SnapshotError('UPSTREAM_ERROR', `the upstream could not be reached: ${(err as Error)?.cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error)?.message}`);
    }
    span?.setAttribute('http.response.status_code', res.status);
    const text = await this.readBody(res);
    if (res.status === 404) throw new SnapshotError('NOT_FOUND', notFound, 404);
    if (res.status < 200 || res.status > 299) throw new SnapshotError('UPSTREAM_ERROR', `the upstream answered ${res.status}`, res.status);
    const json = text.trim() === '' ? 'null' : text;
    // The body is forwarded verbatim to sessions: it must be JSON, nested no deeper than a client frame may be.
    try {
      parseUntrustedJson(json, { maxBytes: this.o.maxBodyBytes });
    } catch (err) {
      const e = err as InputRefused;
      this.o.guard?.refuse(e.reason, e.message, { url: redactedUrl(res.url) });
      throw new SnapshotError('UPSTREAM_ERROR', e.reason === 'invalid_json' ? 'the upstream answered a body that is not JSON' : `the upstream answered a body that is refused: ${e.message}`, res.status);
    }
    return { json, fetchedAt: now() };
  }

  private async readBody(res: Response): Promise<string> {
    try {
      return await readBoundedBody(res, this.o.maxBodyBytes);
    } catch (err) {
      if ((err as InputRefused).reason === 'too_large') {
        this.o.guard?.refuse('too_large', (err as Error).message, { url: redactedUrl(res.url) });
        throw new SnapshotError('UPSTREAM_ERROR', `the upstream body is larger than ${this.o.maxBodyBytes} bytes`, res.status);
      }
      const name = (err as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new SnapshotError('UPSTREAM_TIMEOUT', `the upstream did not answer within ${this.o.timeout} ms`);
      throw new SnapshotError('UPSTREAM_ERROR', `the upstream body could not be read: ${(err as Error)?.message}`, res.status);
    }
  }
}

/** Percent-decoding, repeated while it changes (at most 4 times): what a server that decodes twice would see. */
function decodedForms(value: string): string[] {
  const out = [value];
  let v = value;
  for (let i = 0; i < 4; i++) {
    let next: string;
    try {
      next = decodeURIComponent(v);
    } catch {
      break;
    }
    if (next === v) break;
    out.push((v = next));
  }
  return out;
}

/**
 * A value from outside (an entity id, a section, a query parameter) as one path segment of an
 * upstream URL: refused with INVALID_MESSAGE when it — or any percent-decoding of it — is `.` or
 * `..`, or holds `/`, `\` or a control character, so no value can climb out of the template's
 * path; otherwise percent-encoded.
 */
export function pathSegment(name: string, value: string): string {
  for (const v of decodedForms(value)) {
    // eslint-disable-next-line no-control-regex
    if (v === '.' || v === '..' || /[/\\\u0000-\u001f\u007f]/.test(v)) {
      throw new SnapshotError('INVALID_MESSAGE', `invalid message: ${name} cannot be used in an upstream path (no ".", "..", "/", "\\" or control characters, encoded or not)`);
    }
  }
  return encodeURIComponent(value);
}

/** The URL without its query (it may carry ids or keys): what a span records. */
function redactedUrl(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? url : url.slice(0, i);
}

/** A JSON object frame (serialised head) with the snapshot spliced in as `payload`, verbatim. */
export function spliceSnapshot(head: Record<string, unknown>, snap: Snapshot): string {
  const json = JSON.stringify(head);
  return `${json.slice(0, -1)},"payload":${snap.json},"metadata":null,"timestamp":${Date.now()}}`;
}
