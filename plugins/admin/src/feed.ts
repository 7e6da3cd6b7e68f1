/**
 * The live admin page: `GET /admin` (the page, no data in it), `GET /admin/app.js` (its script),
 * `GET /admin/snapshot` (one snapshot as JSON) and `GET /admin/stream` (a snapshot per second as
 * server-sent events). Data routes want `Authorization: Bearer <admin token>`; the page asks for
 * the token and sends it in that header (never in a URL). One sample per tick is serialized once
 * and written to every open stream; the timer runs only while a stream is open.
 */
import type { HttpRequest, HttpResponse, PluginContext } from '@actorwire/core';
import { AdminSampler, type AdminSources } from './snapshot.js';
import { ADMIN_PAGE_HTML, ADMIN_PAGE_SCRIPT } from './page.js';

type Logger = PluginContext['logger'];
export type BearerCheck = (authorization: string | undefined) => boolean;

/**
 * The part of hyper-express's response a stream needs. Server-sent events are not in the
 * kernel's `HttpResponse` (no other plugin streams): this plugin reaches for the layer's own.
 */
interface StreamingResponse extends HttpResponse {
  sse: { send(event: string, data: string): boolean; comment(data: string): boolean; close(): boolean } | undefined;
  once(event: 'close', fn: () => void): unknown;
}

export interface AdminOptions {
  authorized: BearerCheck;
  sources: AdminSources;
  logger: Logger;
  /** ms between snapshots on the stream. */
  intervalMs?: number;
  /** Open streams at most (each costs a write per tick). */
  maxStreams?: number;
}

type Route = { path: string; handler: (req: HttpRequest, res: HttpResponse) => unknown };

const SECURITY_HEADERS: ReadonlyArray<[string, string]> = [
  ['content-security-policy', "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"],
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'no-referrer'],
  ['cache-control', 'no-store'],
];

/** A stream that has not taken a write for this many ticks is closed (a stalled browser tab). */
const MAX_STALLED_TICKS = 10;

export class AdminFeed {
  private readonly streams = new Map<StreamingResponse, { stalled: number }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly streamSampler: AdminSampler;
  private readonly requestSampler: AdminSampler;
  private readonly intervalMs: number;
  private readonly maxStreams: number;

  constructor(private readonly o: AdminOptions) {
    this.streamSampler = new AdminSampler(o.sources);
    this.requestSampler = new AdminSampler(o.sources);
    this.intervalMs = o.intervalMs ?? 1000;
    this.maxStreams = o.maxStreams ?? 16;
  }

  get openStreams(): number {
    return this.streams.size;
  }

  routes(): Route[] {
    const refuse = (res: HttpResponse) => res.status(401).header('www-authenticate', 'Bearer').json({ error: 'admin token required', code: 'UNAUTHORIZED' });
    return [
      {
        path: '/admin',
        handler: (_req, res) => {
          for (const [k, v] of SECURITY_HEADERS) res.header(k, v);
          res.header('content-type', 'text/html; charset=utf-8').send(ADMIN_PAGE_HTML);
        },
      },
      {
        path: '/admin/app.js',
        handler: (_req, res) => {
          for (const [k, v] of SECURITY_HEADERS) res.header(k, v);
          res.header('content-type', 'text/javascript; charset=utf-8').send(ADMIN_PAGE_SCRIPT);
        },
      },
      {
        path: '/admin/snapshot',
        handler: (req, res) => {
          if (!this.o.authorized(req.headers.authorization)) return refuse(res);
          res.header('cache-control', 'no-store');
          return this.requestSampler.sample();
        },
      },
      {
        path: '/admin/stream',
        handler: (req, res) => {
          if (!this.o.authorized(req.headers.authorization)) return refuse(res);
          if (this.streams.size >= this.maxStreams) return res.status(503).json({ error: `at most ${this.maxStreams} admin streams at once`, code: 'SERVER_FULL' });
          this.open(res as StreamingResponse, req.requestId);
        },
      },
    ];
  }

  private open(res: StreamingResponse, requestId: string): void {
    const sse = res.sse!;
    this.streams.set(res, { stalled: 0 });
    res.once('close', () => {
      this.streams.delete(res);
      if (this.streams.size === 0) this.pause();
    });
    sse.comment('actorwire admin stream');
    // The first snapshot at once (its rates are those since the previous tick, or zero).
    sse.send('snapshot', JSON.stringify(this.streamSampler.sample()));
    this.o.logger.info({ request_id: requestId, streams: this.streams.size }, 'admin stream opened');
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      this.timer.unref();
    }
  }

  private tick(): void {
    const data = JSON.stringify(this.streamSampler.sample());
    for (const [res, state] of this.streams) {
      if (res.completed) {
        this.streams.delete(res);
        continue;
      }
      if (res.sse!.send('snapshot', data)) state.stalled = 0;
      else if (++state.stalled >= MAX_STALLED_TICKS) {
        this.o.logger.warn('admin stream not reading: closed');
        this.streams.delete(res);
        res.sse!.close();
      }
    }
    if (this.streams.size === 0) this.pause();
  }

  private pause(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Close every stream (the kernel is stopping). */
  stop(): void {
    this.pause();
    for (const res of this.streams.keys()) {
      try {
        res.sse!.close();
      } catch {
        // already gone
      }
    }
    this.streams.clear();
  }
}
