/**
 * Test support: a real server with auth + snapshots, an in-process REST upstream that
 * records every call and answers what the test says, tokens, and a pino logger whose lines a
 * test can read.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import type { PluginEntry } from '@actorwire/core';
import { startTestServer, type TestServer } from '@actorwire/testing';
import authPlugin from '@actorwire/plugin-auth';
import snapshots, { type SnapshotsOptions } from '../src/index.js';

export const SECRET = 'snapshots-plugin-tests-secret-0123456789-abc';

export const jwt = (claims: Record<string, unknown> = {}): Promise<string> =>
  new SignJWT({ sub: 'u1', exp: Math.floor(Date.now() / 1000) + 600, ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));

export interface UpstreamCall {
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
}

export interface Answer {
  status?: number;
  body: string;
  delayMs?: number;
}

export interface Upstream {
  url: string;
  calls: UpstreamCall[];
  /** Calls whose path (and search) is exactly `pathAndSearch`. */
  count(pathAndSearch: string): number;
  /** What to answer; the default answers a JSON body naming the request. */
  answer: (call: UpstreamCall) => Answer;
  close(): Promise<void>;
}

/** Default answer: `{"path":…, "query":…, "version":N}` where N counts calls to that path. */
export async function startUpstream(): Promise<Upstream> {
  const calls: UpstreamCall[] = [];
  const versions = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const up: Upstream = {
    url: '',
    calls,
    count: (ps) => calls.filter((c) => c.path + (c.query.size > 0 ? `?${c.query}` : '') === ps).length,
    answer: (call) => {
      const key = call.path + call.query.toString();
      const v = (versions.get(key) ?? 0) + 1;
      versions.set(key, v);
      return { body: JSON.stringify({ path: call.path, query: Object.fromEntries(call.query), version: v }) };
    },
    close: () => new Promise<void>((resolve) => {
      for (const t of timers) clearTimeout(t);
      srv.closeAllConnections();
      srv.close(() => resolve());
    }),
  };
  const srv: Server = createServer((req: IncomingMessage, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const call: UpstreamCall = { path: u.pathname, query: u.searchParams, authorization: req.headers.authorization };
    calls.push(call);
    const a = up.answer(call);
    const send = () => {
      if (!res.destroyed) res.writeHead(a.status ?? 200, { 'content-type': 'application/json' }).end(a.body);
    };
    if (a.delayMs) {
      const t = setTimeout(() => { timers.delete(t); send(); }, a.delayMs);
      timers.add(t);
    } else send();
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  up.url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  return up;
}

export function captureLogs() {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, cb) { text += String(chunk); cb(); } });
  return { logger: pino({ level: 'debug' }, stream), text: () => text };
}

export interface ServerOptions {
  snapshots?: Partial<SnapshotsOptions>;
  plugins?: PluginEntry[];
  /** Plugins registered after snapshots (e.g. one defining actions). */
  after?: PluginEntry[];
  logger?: ReturnType<typeof captureLogs>['logger'];
  auth?: boolean;
}

export function server(up: Upstream, o: ServerOptions = {}): Promise<TestServer> {
  const before: PluginEntry[] = o.auth === false ? [] : [[authPlugin, { secret: SECRET }]];
  return startTestServer({
    ...(o.logger ? { logger: o.logger } : {}),
    config: o.logger ? { logLevel: 'debug' } : {},
    plugins: [...before, ...(o.plugins ?? []), [snapshots, { restBaseUrl: up.url, ...o.snapshots }], ...(o.after ?? [])],
  });
}

/** Connect with a token in the Authorization header. */
export async function viewer(srv: TestServer, path: string, claims: Record<string, unknown> = {}) {
  return srv.connect(path, { headers: { authorization: `Bearer ${await jwt(claims)}` } });
}

/** Values that must never climb out of an upstream path template (encoded, double-encoded, separators, NUL). */
export const HOSTILE_SEGMENTS = ['..', '.', '%2e%2e', '%2E%2E', '%2e', '..%2f', '..%2F..', '%2e%2e%2f', '%252e%252e', '\\', '..\\..', 'a/../..', '%00', 'a%00b', '\u0000', 'a\nb'];
