/**
 * One client interface over the two client libraries: `ws` for every raw-JSON target,
 * socket.io-client (websocket transport only) for Socket.IO. Scenarios only see this.
 */
import WebSocket from 'ws';
import { io, type Socket } from 'socket.io-client';
import type { ClientKind } from '../types.js';

export interface BenchClient {
  /** Join a room; resolves with the `client_count` of the ack. */
  subscribe(room: string): Promise<number>;
  /** Fire-and-forget publish of a prebuilt payload. */
  publish(room: string, data: unknown): void;
  /** One request/response round trip. */
  ping(): Promise<void>;
  /** Called once per room delivery; set it only when counting (fan-out). */
  onDelivery: (() => void) | null;
  /** WebSocket payload bytes of the latest delivery (0 before the first). */
  readonly deliveryBytes: number;
  /** Graceful close; resolves when the transport is closed. */
  close(): Promise<void>;
  terminate(): void;
}

/**
 * `token`: null connects without one (anonymous). `dialect`: an Actorwire wire dialect
 * (`gateway`: deliveries are `event`, acks are `ack`).
 */
export type Connect = (token: string | null, dialect?: 'gateway' | 'compact') => Promise<BenchClient>;

const TIMEOUT_MS = 15_000;
const MESSAGE_TAG = Buffer.from('"type":"message"');
const EVENT_TAG = Buffer.from('"type":"event"');

/** What a client of each wire form counts and expects. */
interface Wire {
  deliveryTag: Buffer;
  delivery: string;
  subscribed: string;
}
const CANONICAL: Wire = { deliveryTag: MESSAGE_TAG, delivery: 'message', subscribed: 'subscribed' };
const GATEWAY: Wire = { deliveryTag: EVENT_TAG, delivery: 'event', subscribed: 'ack' };

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timeout after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

interface Reply {
  type: string;
  id?: string;
  data?: { client_count?: number };
  error?: string;
  code?: string;
}

class WsClient implements BenchClient {
  onDelivery: (() => void) | null = null;
  deliveryBytes = 0;
  private readonly pending = new Map<string, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private readonly closed: Promise<void>;

  constructor(private readonly ws: WebSocket, private readonly wire: Wire = CANONICAL) {
    ws.on('message', (buf: Buffer) => this.onFrame(buf));
    ws.on('error', () => {}); // surfaced through 'close'
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    this.closed.then(() => {
      for (const p of this.pending.values()) p.reject(new Error('connection closed'));
      this.pending.clear();
    });
  }

  private onFrame(buf: Buffer): void {
    // Fan-out hot path: count deliveries without parsing, so the client spends as
    // little CPU per delivery as possible and the server is more likely the limit.
    if (this.pending.size === 0 && this.onDelivery && buf.includes(this.wire.deliveryTag)) {
      this.deliveryBytes = buf.length;
      return this.onDelivery();
    }
    let msg: Reply;
    try {
      msg = JSON.parse(buf.toString()) as Reply;
    } catch {
      return;
    }
    if (msg.type === this.wire.delivery) {
      this.deliveryBytes = buf.length;
      return void this.onDelivery?.();
    }
    if (msg.id === undefined) return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.type === 'error') p.reject(new Error(`${msg.code}: ${msg.error}`));
    else p.resolve(msg);
  }

  private request(frame: Record<string, unknown>): Promise<Reply> {
    const id = String(++this.nextId);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ ...frame, id }));
    });
  }

  async subscribe(room: string): Promise<number> {
    const reply = await withTimeout(this.request({ type: 'subscribe', room }), TIMEOUT_MS, 'subscribe');
    if (reply.type !== this.wire.subscribed) throw new Error(`expected ${this.wire.subscribed}, got ${reply.type}`);
    return reply.data?.client_count ?? -1;
  }

  publish(room: string, data: unknown): void {
    this.ws.send(JSON.stringify({ type: 'publish', room, data }));
  }

  async ping(): Promise<void> {
    await this.request({ type: 'ping' });
  }

  close(): Promise<void> {
    this.ws.close(1000);
    return withTimeout(this.closed, TIMEOUT_MS, 'close');
  }

  terminate(): void {
    this.ws.terminate();
  }
}

function connectWs(url: string, token: string | null, dialect?: 'gateway' | 'compact'): Promise<BenchClient> {
  const query = [token !== null ? `token=${token}` : '', dialect ? `dialect=${dialect}` : ''].filter(Boolean).join('&');
  return withTimeout(
    new Promise<BenchClient>((resolve, reject) => {
      const ws = new WebSocket(query ? `${url}?${query}` : url, { perMessageDeflate: false, handshakeTimeout: TIMEOUT_MS });
      const fail = (e: Error) => reject(e);
      ws.once('error', fail);
      ws.once('close', (code, reason) => reject(new Error(`closed before connected: ${code} ${reason.toString()}`)));
      ws.once('message', (buf: Buffer) => {
        const first = JSON.parse(buf.toString()) as Reply;
        ws.removeAllListeners('close');
        ws.off('error', fail);
        if (first.type !== 'connected') {
          ws.terminate();
          return reject(new Error(`first frame was ${buf.toString().slice(0, 120)}`));
        }
        resolve(new WsClient(ws, dialect === 'gateway' ? GATEWAY : CANONICAL));
      });
    }),
    TIMEOUT_MS,
    'connect',
  );
}

type SioReply = Reply;

class SioClient implements BenchClient {
  onDelivery: (() => void) | null = null;
  deliveryBytes = 0;
  private lastPacketBytes = 0;
  private nextId = 0;

  constructor(private readonly socket: Socket) {
    // engine.io's 'data' carries the socket.io packet without engine.io's one-byte type prefix.
    socket.io.engine.on('data', (d: string | ArrayBuffer) => {
      this.lastPacketBytes = 1 + (typeof d === 'string' ? Buffer.byteLength(d) : d.byteLength);
    });
    socket.on('message', () => {
      this.deliveryBytes = this.lastPacketBytes;
      this.onDelivery?.();
    });
  }

  async subscribe(room: string): Promise<number> {
    const id = String(++this.nextId);
    const reply = (await this.socket.timeout(TIMEOUT_MS).emitWithAck('subscribe', { room, id })) as SioReply;
    if (reply.type !== 'subscribed') throw new Error(`expected subscribed, got ${reply.type}`);
    return reply.data?.client_count ?? -1;
  }

  publish(room: string, data: unknown): void {
    this.socket.emit('publish', { room, data });
  }

  async ping(): Promise<void> {
    await this.socket.emitWithAck('ping', { id: String(++this.nextId) });
  }

  close(): Promise<void> {
    // Wait for the underlying websocket to close, like the ws client does, rather than
    // Socket.IO's immediate local 'disconnect'.
    const raw = (this.socket.io.engine?.transport as unknown as { ws?: WebSocket } | undefined)?.ws;
    const done = raw && raw.readyState !== WebSocket.CLOSED ? new Promise<void>((r) => raw.once('close', () => r())) : Promise.resolve();
    this.socket.disconnect();
    return withTimeout(done, TIMEOUT_MS, 'close');
  }

  terminate(): void {
    this.socket.disconnect();
  }
}

function connectSio(url: string, token: string | null): Promise<BenchClient> {
  return withTimeout(
    new Promise<BenchClient>((resolve, reject) => {
      const socket = io(url, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        timeout: TIMEOUT_MS,
        ...(token !== null ? { auth: { token }, query: { token } } : {}),
      });
      socket.once('connect_error', (e) => reject(e));
      socket.once('connected', () => resolve(new SioClient(socket)));
    }),
    TIMEOUT_MS,
    'connect',
  );
}

export function connector(kind: ClientKind, url: string): Connect {
  return kind === 'socketio' ? (token) => connectSio(url, token) : (token, dialect) => connectWs(url, token, dialect);
}
