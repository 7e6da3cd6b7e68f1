/**
 * The REST snapshot fetcher: one GET to the upstream per view, with a timeout, the caller's
 * token, and the body kept verbatim (checked to be JSON once, never re-serialised).
 */
import { SnapshotError } from './errors.js';
import type { EntityPaths } from './options.js';
import type { View } from './view.js';

export interface FetcherOptions {
  restBaseUrl: string;
  restTimeout: number;
  maxBodyBytes: number;
  listPath: string;
  detailPath: string;
  paths: Readonly<Record<string, EntityPaths>>;
}

/** A snapshot as the upstream gave it. */
export interface Snapshot {
  /** The body, verbatim: JSON text. */
  readonly json: string;
  readonly fetchedAt: number;
}

export class Fetcher {
  private readonly base: string;

  constructor(private readonly o: FetcherOptions) {
    this.base = o.restBaseUrl.replace(/\/+$/, '');
  }

  /** The upstream URL of a view. */
  url(view: View): string {
    const paths = this.o.paths[view.entity];
    const template = view.kind === 'list' ? paths?.list ?? this.o.listPath : paths?.detail ?? this.o.detailPath;
    const path = template.replace(/\{(entity|section|id)\}/g, (_, name: 'entity' | 'section' | 'id') => encodeURIComponent(view[name] ?? ''));
    const url = new URL(this.base + path);
    for (const [name, value] of view.query) url.searchParams.append(name, value);
    return url.toString();
  }

  async fetch(view: View, token: string | undefined, now: () => number): Promise<Snapshot> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    let res: Response;
    try {
      res = await fetch(this.url(view), { headers, signal: AbortSignal.timeout(this.o.restTimeout) });
    } catch (err) {
      const name = (err as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new SnapshotError('UPSTREAM_TIMEOUT', `the upstream did not answer within ${this.o.restTimeout} ms`);
      }
      throw new SnapshotError('UPSTREAM_ERROR', `the upstream could not be reached: ${(err as Error)?.cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error)?.message}`);
    }
    const text = await this.readBody(res);
    if (res.status === 404) throw new SnapshotError('NOT_FOUND', view.kind === 'detail' ? `${view.entity} ${view.id} not found` : `no ${view.entity} for section ${view.section}`, 404);
    if (res.status < 200 || res.status > 299) throw new SnapshotError('UPSTREAM_ERROR', `the upstream answered ${res.status}`, res.status);
    const json = text.trim() === '' ? 'null' : text;
    try {
      JSON.parse(json);
    } catch {
      throw new SnapshotError('UPSTREAM_ERROR', 'the upstream answered a body that is not JSON', res.status);
    }
    return { json, fetchedAt: now() };
  }

  private async readBody(res: Response): Promise<string> {
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > this.o.maxBodyBytes) {
      await res.body?.cancel();
      throw new SnapshotError('UPSTREAM_ERROR', `the upstream body is larger than ${this.o.maxBodyBytes} bytes`, res.status);
    }
    if (!res.body) return '';
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > this.o.maxBodyBytes) {
          await res.body.cancel().catch(() => undefined);
          throw new SnapshotError('UPSTREAM_ERROR', `the upstream body is larger than ${this.o.maxBodyBytes} bytes`, res.status);
        }
        chunks.push(chunk);
      }
    } catch (err) {
      if (err instanceof SnapshotError) throw err;
      const name = (err as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new SnapshotError('UPSTREAM_TIMEOUT', `the upstream did not answer within ${this.o.restTimeout} ms`);
      throw new SnapshotError('UPSTREAM_ERROR', `the upstream body could not be read: ${(err as Error)?.message}`, res.status);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}
