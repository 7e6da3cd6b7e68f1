/**
 * Test support: a real server (auth + rooms + dialects), and a bare `ws` client that keeps every
 * frame as the text it arrived as — the Go services' clients read text and JSON alike.
 */
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '@actorwire/testing';
import type { PluginEntry } from '@actorwire/core';
import authPlugin from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import dialects from '../src/index.js';

export const SECRET = 'dialects-plugin-tests-secret-0123456789-abcdef';

export const jwt = (claims: Record<string, unknown>): Promise<string> =>
  new SignJWT({ exp: Math.floor(Date.now() / 1000) + 600, ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));

export function server(extra: PluginEntry[] = []): Promise<TestServer> {
  return startTestServer({ plugins: [[authPlugin, { secret: SECRET }], rooms, dialects, ...extra] });
}

export interface RawClient {
  ws: WebSocket;
  /** The protocol the server echoed. */
  protocol: string;
  send(frame: unknown): void;
  /** The next frame (as text) that `match` accepts; earlier ones are kept for later calls. */
  next(match?: (text: string) => boolean, ms?: number): Promise<string>;
  /** The next frame, parsed. */
  json(match?: (f: Record<string, any>) => boolean, ms?: number): Promise<Record<string, any>>;
  none(match: (text: string) => boolean, ms?: number): Promise<boolean>;
  close(): void;
}

export function rawClient(url: string, opts: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts.protocols ?? [], { headers: opts.headers });
    const queue: string[] = [];
    const waiters: Array<{ match: (t: string) => boolean; resolve: (t: string) => void }> = [];
    ws.on('message', (data) => {
      const text = data.toString();
      const i = waiters.findIndex((w) => w.match(text));
      if (i >= 0) waiters.splice(i, 1)[0]!.resolve(text);
      else queue.push(text);
    });
    ws.on('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.on('error', reject);
    const next = (match: (t: string) => boolean = () => true, ms = 5000) => new Promise<string>((res, rej) => {
      const i = queue.findIndex(match);
      if (i >= 0) return res(queue.splice(i, 1)[0]!);
      const w = { match, resolve: (t: string) => { clearTimeout(timer); res(t); } };
      const timer = setTimeout(() => { waiters.splice(waiters.indexOf(w), 1); rej(new Error(`no matching frame within ${ms} ms; queued: ${JSON.stringify(queue)}`)); }, ms);
      waiters.push(w);
    });
    const parse = (t: string): Record<string, any> | undefined => { try { return JSON.parse(t); } catch { return undefined; } };
    ws.on('open', () => resolve({
      ws,
      protocol: ws.protocol,
      send: (f) => ws.send(typeof f === 'string' ? f : JSON.stringify(f)),
      next,
      json: async (match = () => true, ms) => JSON.parse(await next((t) => { const f = parse(t); return f !== undefined && match(f); }, ms)),
      none: async (match, ms = 200) => next(match, ms).then(() => false, () => true),
      close: () => ws.close(),
    }));
  });
}

export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
