/**
 * A real WebSocket client for tests (the `ws` package), with a frame queue so a test can
 * await "the next frame of type X" without racing the socket.
 */
import WebSocket from 'ws';

export interface ReceivedFrame {
  type: string;
  [key: string]: any;
}

export interface ConnectOptions {
  headers?: Record<string, string>;
  protocols?: string | string[];
  /** Wait for (and consume) the `connected` frame. Default true. */
  awaitConnected?: boolean;
  timeoutMs?: number;
}

export class TestClient {
  readonly frames: ReceivedFrame[] = [];
  /** Every frame ever received, for assertions on what must NOT have arrived. */
  readonly history: ReceivedFrame[] = [];
  connected: ReceivedFrame | undefined;
  closeCode: number | undefined;
  closeReason: string | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<{ match: (f: ReceivedFrame) => boolean; resolve: (f: ReceivedFrame) => void }> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      let frame: ReceivedFrame;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        frame = { type: '__non_json__', raw: data.toString() };
      }
      this.history.push(frame);
      const i = this.waiters.findIndex((w) => w.match(frame));
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(frame);
      else this.frames.push(frame);
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        resolve({ code, reason: this.closeReason });
      });
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Next frame matching `type` (or predicate), from the queue or as it arrives. */
  next(match?: string | ((f: ReceivedFrame) => boolean), timeoutMs = 5000): Promise<ReceivedFrame> {
    const pred = match === undefined ? () => true : typeof match === 'string' ? (f: ReceivedFrame) => f.type === match : match;
    const i = this.frames.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.frames.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter = { match: pred, resolve: (f: ReceivedFrame) => { clearTimeout(timer); resolve(f); } };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${typeof match === 'string' ? match : 'a frame'}; queued: ${JSON.stringify(this.frames.map((f) => f.type))}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Send a frame with an `id` and wait for the reply carrying that id. */
  async request(frame: Record<string, unknown>, timeoutMs = 5000): Promise<ReceivedFrame> {
    const id = (frame.id as string | undefined) ?? `r${Math.random().toString(36).slice(2, 10)}`;
    const p = this.next((f) => f.id === id, timeoutMs);
    this.send({ ...frame, id });
    return p;
  }

  /** Resolve true if no frame matching arrives within `ms`. */
  async expectNone(match: string | ((f: ReceivedFrame) => boolean), ms = 200): Promise<boolean> {
    try {
      await this.next(match, ms);
      return false;
    } catch {
      return true;
    }
  }

  close(code?: number): Promise<{ code: number; reason: string }> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code);
    return this.closed;
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/** Open a WebSocket; rejects with the HTTP status when the upgrade is refused. */
export async function connect(url: string, opts: ConnectOptions = {}): Promise<TestClient> {
  const ws = new WebSocket(url, opts.protocols, { headers: opts.headers, handshakeTimeout: opts.timeoutMs ?? 5000 });
  const client = new TestClient(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused: HTTP ${res.statusCode} ${body}`), { status: res.statusCode, body })));
    });
    ws.once('error', reject);
  });
  if (opts.awaitConnected !== false) client.connected = await client.next('connected', opts.timeoutMs ?? 5000);
  return client;
}

/** Attempt an upgrade that should be refused; returns the HTTP status and parsed body. */
export async function expectRefused(url: string, opts: ConnectOptions = {}): Promise<{ status: number; body: any }> {
  try {
    const c = await connect(url, { ...opts, awaitConnected: false });
    c.terminate();
  } catch (err) {
    const e = err as { status?: number; body?: string };
    if (e.status === undefined) throw err;
    let body: unknown = e.body;
    try {
      body = JSON.parse(e.body ?? '');
    } catch {
      // keep text
    }
    return { status: e.status, body };
  }
  throw new Error('upgrade was accepted but should have been refused');
}
