/**
 * Where a token comes from. Upgrade requests: `Authorization: Bearer`, `?token=`, the route's
 * `/:token` segment, `Sec-WebSocket-Protocol: bearer, <jwt>` — first match wins, in the
 * configured order. HTTP requests (plugin routes): the header, then the query parameter.
 */
import type { UpgradeRequest } from '@actorwire/core';
import type { TokenSource } from './options.js';

export interface SourceOptions {
  sources: readonly TokenSource[];
  queryParam: string;
  subprotocols: readonly string[];
}

export interface FoundToken {
  token: string | undefined;
  source: TokenSource | undefined;
  /** The subprotocol marker the client offered (`bearer`): the only value ever echoed back. */
  marker: string | undefined;
  /** Another source carried a different token: the upgrade is refused (which one counts would be ambiguous). */
  conflict?: TokenSource;
}

/** `Bearer <token>` (scheme case-insensitive); undefined for other schemes or an empty token. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

/** Parse `Sec-WebSocket-Protocol` for `<marker>, <token>`. */
export function subprotocolToken(header: string | undefined, markers: readonly string[]): { marker?: string; token?: string } {
  if (!header) return {};
  const offered = header.split(',').map((s) => s.trim()).filter(Boolean);
  const lower = markers.map((m) => m.toLowerCase());
  const i = offered.findIndex((p) => lower.includes(p.toLowerCase()));
  if (i < 0) return {};
  const marker = offered[i]!;
  const next = offered[i + 1];
  const token = next !== undefined && !lower.includes(next.toLowerCase()) ? next : undefined;
  return token === undefined ? { marker } : { marker, token };
}

export function tokenFromUpgrade(req: UpgradeRequest, opts: SourceOptions): FoundToken {
  const sub = subprotocolToken(req.headers['sec-websocket-protocol'], opts.subprotocols);
  const found: FoundToken = { token: undefined, source: undefined, marker: sub.marker };
  for (const source of opts.sources) {
    let token: string | undefined;
    switch (source) {
      case 'header':
        token = bearerToken(req.headers.authorization);
        break;
      case 'query':
        token = req.query.get(opts.queryParam) ?? undefined;
        break;
      case 'path': {
        const name = req.routeOptions.tokenParam;
        token = name ? req.params[name] : undefined;
        break;
      }
      case 'subprotocol':
        token = sub.token;
        break;
    }
    if (token === undefined || token === '') continue;
    if (found.token === undefined) {
      found.token = token;
      found.source = source;
    } else if (token !== found.token) {
      found.conflict = source;
      break;
    }
  }
  return found;
}

/** The shape of an HTTP request the helpers need (hyper-express's Request has it). */
export interface HttpLikeRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly path?: string;
  readonly ip?: string;
}

export function tokenFromHttp(req: HttpLikeRequest, opts: SourceOptions): { token: string | undefined; source: TokenSource | undefined } {
  for (const source of opts.sources) {
    if (source === 'header') {
      const h = req.headers.authorization;
      const token = bearerToken(Array.isArray(h) ? h[0] : h);
      if (token) return { token, source };
    } else if (source === 'query') {
      const token = req.query?.[opts.queryParam];
      if (token) return { token, source };
    }
  }
  return { token: undefined, source: undefined };
}
