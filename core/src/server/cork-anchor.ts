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
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Logger } from 'pino';
import uws from '#uws';
import type { HttpRequest, HttpResponse, TemplatedApp, us_socket_context_t, WebSocket } from '#uws';

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
  connect(port: number, host: string, waitMs = 2000): Promise<void> {
    const target = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
    const sock = net.connect(port, target);
    this.client = sock;
    sock.setNoDelay(true);
    sock.on('connect', () => {
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
