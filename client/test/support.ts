/** Test support: a real server (auth + rooms), tokens, the `ws` constructor, and a freezable TCP proxy. */
import net from 'node:net';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '@actorwire/testing';
import authPlugin from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import { ActorwireClient, type ClientEvents, type ClientOptions, type WebSocketConstructor } from '../src/index.js';

export const SECRET = 'client-tests-secret-0123456789-0123456789-abcdef';

export const jwt = (sub: string, ttlS = 600): Promise<string> =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setExpirationTime(Math.floor(Date.now() / 1000) + ttlS).sign(new TextEncoder().encode(SECRET));

export function server(port = 0): Promise<TestServer> {
  return startTestServer({ plugins: [[authPlugin, { secret: SECRET }], rooms], config: { port } });
}

export function client(opts: Omit<ClientOptions, 'WebSocket'>): ActorwireClient {
  return new ActorwireClient({ WebSocket: WebSocket as unknown as WebSocketConstructor, backoff: { baseDelay: 50, maxDelay: 200 }, ...opts });
}

/** The next `event` from the client (rejects after `ms`). */
export function next<K extends keyof ClientEvents>(c: ActorwireClient, event: K, ms = 5000, match: (v: ClientEvents[K]) => boolean = () => true): Promise<ClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${event} within ${ms} ms`));
    }, ms);
    const off = c.on(event, (v) => {
      if (!match(v)) return;
      clearTimeout(timer);
      off();
      resolve(v);
    });
  });
}

/**
 * A TCP proxy in front of `port` — or of the first of several ports that accepts (a client whose
 * server went away lands on the next) — that can stop passing bytes (a connection that died
 * silently) and can hold what the server sends for `delayMs` (a client far from its server).
 */
export async function proxy(ports: number | number[], opts: { delayMs?: number } = {}): Promise<{ port: number; freeze(): void; thaw(): void; close(): Promise<void> }> {
  const backends = Array.isArray(ports) ? ports : [ports];
  const delay = opts.delayMs ?? 0;
  const later = (fn: () => void) => (delay > 0 ? setTimeout(fn, delay) : fn());
  let frozen = false;
  const sockets = new Set<net.Socket>();
  const open = (i: number, inbound: net.Socket): void => {
    if (i >= backends.length) return void inbound.destroy();
    const outbound = net.connect(backends[i]!, '127.0.0.1');
    let connected = false;
    outbound.once('error', () => { if (!connected) open(i + 1, inbound); });
    outbound.once('connect', () => {
      connected = true;
      sockets.add(outbound);
      inbound.on('data', (d) => { if (!frozen) outbound.write(d); });
      outbound.on('data', (d) => later(() => { if (!frozen) inbound.write(d); }));
      const end = () => later(() => { inbound.destroy(); outbound.destroy(); });
      inbound.on('close', end).on('error', end);
      outbound.on('close', end).on('error', end);
      inbound.resume();
    });
  };
  const srv = net.createServer((inbound) => {
    sockets.add(inbound);
    inbound.pause();
    open(0, inbound);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    port: (srv.address() as net.AddressInfo).port,
    freeze: () => { frozen = true; },
    thaw: () => {
      frozen = false;
      // What was open while frozen is dead to both ends: drop it, as a NAT that forgot it would.
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); srv.close(() => r()); }),
  };
}

/** A port nothing listens on now (a server restarted on it comes back at the same address). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
