/**
 * A loopback WebSocket the server keeps to itself, whose cork upgrades finished after an await
 * run under.
 *
 * Why: uWS's `res.cork()` epilogue reads the HTTP response state after its callback; when the
 * callback upgraded the socket, uWS may have reallocated it in place as a WebSocket, and the
 * epilogue then reads WebSocket memory as HTTP flags and, for some bit patterns, shuts the new
 * socket down ~1 ms after `open` (uNetworking/uWebSockets#1928 — several in 100 simultaneous
 * upgrades here). While another socket holds the loop's cork, `res.cork()` runs its callback
 * without that epilogue. Any open session's socket would do; this one exists so that there is
 * always one, also for the first connections to an empty server.
 *
 * Which builds need it is measured, not assumed (core/test/async-upgrade.test.ts runs fresh
 * processes with the anchor off and on, on the build the test run loaded). Whether a process shows
 * the bug depends on its memory layout; 30 async upgrades per process, 2026-12: 20.57
 * (`@btc-vision/uwebsockets.js`) hung a socket up in 8 of 32 processes on Node 24 and 5 of 10 on
 * Node 22, 20.30 (`@trufflesuite/uws-js-unofficial`, Node 20) in 1 of 48; with the anchor, none. So both keep it;
 * a build measured clean goes into CORK_EPILOGUE_SAFE (the test then holds it to that).
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import uws from '#uws';
import type { HttpRequest, HttpResponse, TemplatedApp, us_socket_context_t, WebSocket } from '#uws';

/** Builds measured to keep every socket upgraded inside `res.cork()` after an await: none yet. */
const CORK_EPILOGUE_SAFE: ReadonlyMap<string, (version: string) => boolean> = new Map();

/** Whether a build's `res.cork()` epilogue can shut a just-upgraded socket down (true when unknown). */
export function corkEpilogueBug(build: { package: string; version: string; native: boolean }): boolean {
  if (!build.native) return false; // the pure-JS emulation has no such epilogue
  return !(CORK_EPILOGUE_SAFE.get(build.package)?.(build.version) ?? false);
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '0000:0000:0000:0000:0000:0000:0000:0001', '::ffff:127.0.0.1']);

export class CorkAnchor {
  /** Unguessable, so that nobody else ends up on this route. */
  readonly path = `/.actorwire/cork-anchor/${randomBytes(16).toString('hex')}`;
  private socket: WebSocket<unknown> | undefined;
  private client: net.Socket | undefined;
  private closed = false;
  private opened: (() => void) | undefined;

  constructor(private readonly logger: Logger) {}

  mount(app: TemplatedApp): void {
    app.ws(this.path, {
      compression: uws.DISABLED,
      maxPayloadLength: 16,
      idleTimeout: 0,
      sendPingsAutomatically: false,
      upgrade: (res: HttpResponse, req: HttpRequest, context: us_socket_context_t) => {
        const remote = Buffer.from(res.getRemoteAddressAsText()).toString();
        if (this.socket || this.closed || !LOOPBACK.has(remote)) {
          res.writeStatus('404 Not Found').end();
          return;
        }
        res.upgrade({}, req.getHeader('sec-websocket-key'), '', '', context);
      },
      open: (ws: WebSocket<unknown>) => {
        this.socket = ws;
        this.opened?.();
        this.opened = undefined;
      },
      close: (ws: WebSocket<unknown>) => { if (this.socket === ws) this.socket = undefined; },
    });
  }

  /**
   * Connect to ourselves once listening; settles when the anchor is open, or failed, or after
   * `waitMs` (without an anchor, upgrades borrow an open session's cork).
   */
  connect(port: number, host: string, secure = false, waitMs = 2000): Promise<void> {
    const target = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
    // Over TLS the anchor talks to its own listener on loopback and sends nothing but an upgrade
    // to a random path: the certificate (issued for the public name) is not checked.
    const sock = secure ? tls.connect({ port, host: target, rejectUnauthorized: false }) : net.connect(port, target);
    this.client = sock;
    sock.setNoDelay(true);
    sock.on(secure ? 'secureConnect' : 'connect', () => {
      sock.write(
        `GET ${this.path} HTTP/1.1\r\nHost: ${target.includes(':') ? `[${target}]` : target}:${port}\r\n`
        + 'Upgrade: websocket\r\nConnection: Upgrade\r\n'
        + `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    sock.on('data', () => undefined); // the server never writes to it after the 101
    sock.on('error', (err) => {
      if (!this.closed) this.logger.warn({ err }, 'cork anchor connection failed; async upgrades borrow an open session');
    });
    sock.on('close', () => { if (this.client === sock) this.client = undefined; });
    return new Promise((resolve) => {
      const timer = setTimeout(done, waitMs);
      this.opened = done;
      sock.once('close', done);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
    });
  }

  /** Run `fn` under the anchor's cork; false (and `fn` not run) when there is no anchor. */
  cork(fn: () => void): boolean {
    if (!this.socket) return false;
    this.socket.cork(fn);
    return true;
  }

  get ready(): boolean {
    return this.socket !== undefined;
  }

  close(): void {
    this.closed = true;
    this.client?.destroy();
    this.client = undefined;
  }
}
