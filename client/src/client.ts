/**
 * The Actorwire client: one connection that stays up. It reconnects with backoff and full
 * jitter (close-codes.ts says when not to), authenticates with a token or a token callback and
 * refreshes the token before it expires, resubscribes every room after a reconnect, turns
 * requests into promises, notices a dead connection by itself, and keeps publishes made while
 * disconnected until it is back. In rooms with history it remembers each room's position
 * (offset + epoch) and resubscribes from it, so it receives what it missed — in order, once — or
 * learns that it cannot (`recovered: false`). Browser and Node alike: it only needs a WebSocket constructor
 * (the global one, or `options.WebSocket`, e.g. the `ws` package on Node 20).
 */
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { HEARTBEAT_CLOSE, TOKEN_CALLBACK_FAILED, closeBehaviour } from './close-codes.js';
import { ActorwireClientError } from './errors.js';
import type { AuthenticatedFrame, BaseFrame, ClientFrame, ConnectedFrame, ErrorFrame, HistoryFrame, StreamPosition, SubscribedFrame } from './frames.js';

/** The spread of "reconnect at once" (close code 1012), so a drained instance's sessions do not all arrive in one millisecond. */
const IMMEDIATE_JITTER_MS = 100;

/** The part of the WebSocket API the client uses (the browser's, and the `ws` package's). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** A token, or a function that gets one (called at every connect and before expiry); null/undefined: none. */
export type TokenSource = string | (() => string | null | undefined | Promise<string | null | undefined>);

export interface ClientOptions {
  /** `ws://host/ws` or `wss://…`; query parameters (e.g. `dialect`) are kept. */
  url: string;
  token?: TokenSource;
  /**
   * Where the token goes: `message` (default) sends it in an `auth` message right after
   * `connected`, which keeps it out of URLs and access logs; `query` puts it in `?token=` at the
   * upgrade (for routes that refuse an upgrade without one).
   */
  tokenIn?: 'message' | 'query';
  WebSocket?: WebSocketConstructor;
  protocols?: string | string[];
  backoff?: Partial<BackoffOptions>;
  /** ms a `request` waits for its answer (default 10 000). */
  requestTimeout?: number;
  /**
   * Client-side heartbeat: after `interval` ms without any frame the client sends a `ping`;
   * without an answer within `timeout` ms it drops the connection (4000) and reconnects.
   * false: off. Default 20 000 / 10 000.
   */
  heartbeat?: { interval: number; timeout: number } | false;
  /** Ask the token callback for a fresh token this many ms before `expires_at` (default 30 000). */
  refreshBeforeExpiry?: number;
  /** Publishes kept while disconnected (default 1 000); beyond that `publish` throws QUEUE_FULL. */
  maxQueued?: number;
  /** For tests: the random source of the jitter. */
  random?: () => number;
}

export type ClientState = 'idle' | 'connecting' | 'authenticating' | 'connected' | 'closed';

export interface ClientEvents {
  connecting: { attempt: number };
  connected: { clientId: string; userId?: string; reconnected: boolean };
  disconnected: { code: number; reason: string; willReconnect: boolean; meaning: string };
  /** Every frame the server sends. */
  frame: BaseFrame;
  /** Frames that belong to no subscribed room: notifications, broadcasts, a user's pushes. */
  notification: BaseFrame;
  /**
   * A room was joined again from its history position (after a reconnect, or a gap in offsets):
   * `recovered` true — every missed message was delivered to the room's handlers, in order;
   * false — some are lost for good (the app should reload the room's state).
   */
  resubscribed: { room: string; recovered: boolean };
  /** The token was refreshed (expires_at ms, or null). */
  authenticated: { userId: string; expiresAt: number | null };
  error: ActorwireClientError | Error;
}

/** Frames about a room: `message`, `presence`, and anything else a plugin sends with `room`. */
export type RoomHandler = (frame: BaseFrame & { room: string }) => void;

/** What `subscribe` returns: call it to unsubscribe; `ready` settles with the first ack. */
export interface Subscription {
  (): void;
  readonly room: string;
  readonly ready: Promise<SubscribedFrame>;
  /** The last history position received (rooms with history), what a resubscribe recovers from. */
  readonly position: StreamPosition | undefined;
  /** The last resubscribe's `recovered` (undefined until one asked to recover). */
  readonly recovered: boolean | undefined;
}

interface Pending {
  resolve(frame: BaseFrame): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

interface Room {
  handlers: Set<RoomHandler>;
  ready: Promise<SubscribedFrame>;
  settle?: { resolve(f: SubscribedFrame): void; reject(e: Error): void };
  /** Rooms with history: the last offset delivered to the handlers, in its epoch. */
  position?: StreamPosition;
  recovered?: boolean;
  /** A gap was seen: the room is being joined again from `position`. */
  resyncing?: boolean;
}

const OPEN = 1;
const DEFAULT_HEARTBEAT = { interval: 20_000, timeout: 10_000 };

export class ActorwireClient {
  private ws: WebSocketLike | undefined;
  private stateValue: ClientState = 'idle';
  private readonly listeners = new Map<keyof ClientEvents, Set<(v: never) => void>>();
  private readonly pending = new Map<string, Pending>();
  private readonly rooms = new Map<string, Room>();
  private readonly queue: string[] = [];
  private readonly backoff: Backoff;
  private seq = 0;
  private attempt = 0;
  private everConnected = false;
  private closedByUser = false;
  /** Rooms are being joined again after a reconnect: new publishes queue behind the older ones. */
  private resyncing = false;
  private lastFrameAt = 0;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private pingTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private waiters: { resolve(): void; reject(e: Error): void }[] = [];
  /** The id the server gave this connection, and the user it authenticated. */
  clientId: string | undefined;
  userId: string | undefined;

  constructor(private readonly opts: ClientOptions) {
    this.backoff = new Backoff({ ...DEFAULT_BACKOFF, ...opts.backoff }, opts.random);
  }

  get state(): ClientState {
    return this.stateValue;
  }

  /* ------------------------------------------------------------------ events */

  on<K extends keyof ClientEvents>(event: K, fn: (value: ClientEvents[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn as (v: never) => void);
    return () => set!.delete(fn as (v: never) => void);
  }

  private emit<K extends keyof ClientEvents>(event: K, value: ClientEvents[K]): void {
    for (const fn of this.listeners.get(event) ?? []) {
      try {
        (fn as (v: ClientEvents[K]) => void)(value);
      } catch (err) {
        // A listener's bug must not break the connection; it is reported once, as an error event.
        if (event !== 'error') this.emit('error', err as Error);
      }
    }
  }

  /* -------------------------------------------------------------- lifecycle */

  /** Start (idempotent); resolves once connected (and authenticated), rejects if it ends first. */
  connect(): Promise<void> {
    if (this.stateValue === 'connected') return Promise.resolve();
    const ready = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (this.stateValue === 'idle' || this.stateValue === 'closed') {
      this.closedByUser = false;
      void this.open();
    }
    return ready;
  }

  /**
   * Try now instead of waiting for the backoff (an app's "retry" button, or the browser's
   * `online` event); the backoff starts over. Does nothing while connected or after `close()`.
   */
  reconnectNow(): void {
    if (this.closedByUser || this.stateValue !== 'connecting' || this.reconnectTimer === undefined) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.backoff.reset();
    void this.open();
  }

  /** Close for good: no reconnect; pending requests reject with CLOSED. */
  close(code = 1000, reason = 'client closed'): void {
    this.closedByUser = true;
    clearTimeout(this.reconnectTimer);
    const ws = this.ws;
    if (ws) {
      this.detach(ws);
      try {
        ws.close(code, reason);
      } catch {
        // already closing
      }
    }
    this.ended(code, reason, false);
  }

  private async open(): Promise<void> {
    this.attempt++;
    this.stateValue = 'connecting';
    this.emit('connecting', { attempt: this.attempt });
    let token: string | null | undefined;
    try {
      token = await this.token();
    } catch (err) {
      // Most often the network (or the token endpoint) is away: retried with backoff, and not
      // reported as the server refusing a token (4401).
      const e = err as Error;
      // Its own timeout keeps its code (TIMEOUT); anything the callback threw is TOKEN_CALLBACK_FAILED.
      this.emit('error', e instanceof ActorwireClientError ? e : new ActorwireClientError('TOKEN_CALLBACK_FAILED', `the token callback failed: ${e?.message ?? String(err)}`));
      return this.lost(TOKEN_CALLBACK_FAILED, `token callback failed: ${e?.message ?? String(err)}`);
    }
    if (this.closedByUser) return;
    const Ctor = this.opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) {
      const err = new ActorwireClientError('NO_WEBSOCKET', 'no WebSocket implementation: pass options.WebSocket (e.g. the `ws` package on Node 20)');
      this.emit('error', err);
      this.closedByUser = true;
      return this.ended(1006, err.message, false);
    }
    let url = this.opts.url;
    if (token && this.opts.tokenIn === 'query') url += `${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
    let ws: WebSocketLike;
    try {
      ws = new Ctor(url, this.opts.protocols);
    } catch (err) {
      this.emit('error', err as Error);
      return this.lost(1006, 'cannot open the connection');
    }
    this.ws = ws;
    ws.onmessage = (ev) => this.onFrame(ev.data, token);
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.detach(ws);
      this.lost(ev.code, ev.reason);
    };
    ws.onerror = () => undefined; // the close event follows and says what happened
  }

  /** The token; a callback that does not answer within `requestTimeout` fails (a stuck token endpoint must not stall reconnecting). */
  private async token(): Promise<string | null | undefined> {
    const t = this.opts.token;
    if (typeof t !== 'function') return t;
    const ms = this.opts.requestTimeout ?? 10_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        Promise.resolve().then(t),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new ActorwireClientError('TIMEOUT', `the token callback did not answer within ${ms} ms`)), ms);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private detach(ws: WebSocketLike): void {
    ws.onmessage = ws.onclose = ws.onerror = ws.onopen = null;
    if (this.ws === ws) this.ws = undefined;
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.pingTimer);
    clearTimeout(this.refreshTimer);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new ActorwireClientError('DISCONNECTED', 'the connection closed before the answer'));
    }
    this.pending.clear();
  }

  /**
   * The server drains and asks us to move: close from this side, after everything already sent
   * (a close from the server would drop what is in flight), and come back at once as after 1012.
   */
  private reconnectAsked(): void {
    const ws = this.ws;
    if (!ws) return;
    this.detach(ws);
    try {
      ws.close(1000, 'reconnecting');
    } catch {
      // already closing
    }
    this.lost(1012, 'server restarting');
  }

  /** The connection is gone: tell, then reconnect unless the close code (or the user) says not to. */
  private lost(code: number, reason: string): void {
    if (this.closedByUser) return;
    const b = closeBehaviour(code);
    const willReconnect = b.reconnect && (!b.newToken || typeof this.opts.token === 'function');
    this.emit('disconnected', { code, reason, willReconnect, meaning: b.meaning });
    if (!willReconnect) return this.ended(code, reason, true);
    this.stateValue = 'connecting';
    // A draining instance: reconnect now (jittered, so its sessions do not arrive at once), not after a backoff.
    const delay = b.immediate ? Math.floor(Math.random() * IMMEDIATE_JITTER_MS) : this.backoff.next(b.minDelay ?? 0);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.open();
    }, delay);
  }

  private ended(code: number, reason: string, alreadyTold: boolean): void {
    const wasOpen = this.stateValue !== 'closed' && this.stateValue !== 'idle';
    this.stateValue = 'closed';
    clearTimeout(this.reconnectTimer);
    if (!alreadyTold && wasOpen) this.emit('disconnected', { code, reason, willReconnect: false, meaning: closeBehaviour(code).meaning });
    const err = new ActorwireClientError('CLOSED', `connection closed (${code}${reason ? `: ${reason}` : ''})`);
    for (const w of this.waiters.splice(0)) w.reject(err);
    for (const room of this.rooms.values()) room.settle?.reject(err);
  }

  /* ---------------------------------------------------------------- inbound */

  private onFrame(data: unknown, token: string | null | undefined): void {
    this.lastFrameAt = Date.now();
    let frame: BaseFrame;
    try {
      frame = JSON.parse(typeof data === 'string' ? data : String(data)) as BaseFrame;
    } catch {
      return; // not JSON (another dialect's text frame): not ours to read
    }
    if (typeof frame !== 'object' || frame === null) return;
    this.emit('frame', frame);
    if (frame.id !== undefined) {
      const p = this.pending.get(frame.id);
      if (p) {
        this.pending.delete(frame.id);
        clearTimeout(p.timer);
        if (frame.type === 'error') p.reject(ActorwireClientError.fromFrame(frame as ErrorFrame));
        else p.resolve(frame);
        return;
      }
    }
    if (frame.type === 'connected') return void this.onConnected(frame as ConnectedFrame, token);
    if (frame.type === 'reconnect') return this.reconnectAsked();
    if (typeof frame.room === 'string' && frame.type !== 'error') {
      const room = this.rooms.get(frame.room);
      if (room) {
        if (!this.inOrder(frame.room, room, frame)) return;
        for (const h of room.handlers) {
          try {
            h(frame as BaseFrame & { room: string });
          } catch (err) {
            this.emit('error', err as Error);
          }
        }
        return;
      }
    }
    if (frame.type === 'error') this.emit('error', ActorwireClientError.fromFrame(frame as ErrorFrame));
    else if (frame.type !== 'pong') this.emit('notification', frame);
  }

  /**
   * Rooms with history: pass each offset once and in order. An offset already seen is dropped (a
   * recovery overlapping live delivery); a jump means messages were missed (the server lost its
   * channel for a moment): drop it and join again from the last position — the recovery sends
   * the missing ones and the dropped one, in order.
   */
  private inOrder(name: string, room: Room, frame: BaseFrame): boolean {
    const offset = frame.offset;
    const epoch = frame.epoch;
    if (typeof offset !== 'number' || typeof epoch !== 'string') return true;
    const pos = room.position;
    if (pos === undefined || (pos.epoch !== epoch && offset === 1)) {
      room.position = { offset, epoch };
      return true;
    }
    if (pos.epoch !== epoch) {
      // A new history for the room (its Redis failed over, or it expired) starts at offset 1: a
      // later first message means its start went by unseen. Join again from the beginning of it.
      room.position = { offset: 0, epoch };
    } else {
      if (offset <= pos.offset) return false;
      if (offset === pos.offset + 1) {
        pos.offset = offset;
        return true;
      }
    }
    if (!room.resyncing && this.stateValue === 'connected') {
      room.resyncing = true;
      this.send({ type: 'unsubscribe', room: name })
        .then(() => this.sendSubscribe(name))
        .catch(() => undefined)
        .finally(() => { room.resyncing = false; });
    }
    return false;
  }

  private async onConnected(frame: ConnectedFrame, token: string | null | undefined): Promise<void> {
    this.clientId = frame.data?.client_id;
    this.userId = frame.data?.user_id;
    if (token && this.opts.tokenIn !== 'query') {
      this.stateValue = 'authenticating';
      try {
        const reply = (await this.send({ type: 'auth', token })) as AuthenticatedFrame;
        this.authenticated(reply);
      } catch (err) {
        this.emit('error', err as Error);
        // A token the server refuses: as if it had closed with 4401 (reconnect only with a callback).
        const ws = this.ws;
        if (ws) {
          this.detach(ws);
          try {
            ws.close(4401, 'token refused');
          } catch {
            // closing anyway
          }
        }
        return this.lost(4401, (err as Error).message);
      }
    }
    this.stateValue = 'connected';
    this.backoff.reset();
    const reconnected = this.everConnected;
    this.everConnected = true;
    this.startHeartbeat();
    // Rooms first, then what was published meanwhile: a publish needs its room joined again.
    // Publishes made while the rooms are joined again wait in the queue behind the older ones.
    const ws = this.ws;
    this.resyncing = true;
    try {
      await Promise.allSettled([...this.rooms.keys()].map((name) => this.sendSubscribe(name)));
      if (this.ws !== ws) return; // lost again meanwhile
      while (this.queue.length > 0 && ws?.readyState === OPEN) ws.send(this.queue.shift()!);
    } finally {
      this.resyncing = false;
    }
    this.emit('connected', { clientId: this.clientId ?? '', userId: this.userId, reconnected });
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  private authenticated(reply: AuthenticatedFrame): void {
    this.userId = reply.data?.user_id ?? this.userId;
    const expiresAt = reply.data?.expires_at ?? null;
    this.emit('authenticated', { userId: this.userId ?? '', expiresAt });
    clearTimeout(this.refreshTimer);
    if (expiresAt === null || typeof this.opts.token !== 'function') return;
    // `refreshBeforeExpiry` ahead of expiry — or halfway there for tokens that live shorter than
    // twice that, so a short-lived token is not refreshed in a loop.
    const left = expiresAt - Date.now();
    const before = this.opts.refreshBeforeExpiry ?? 30_000;
    const wait = Math.max(0, left > 2 * before ? left - before : left / 2);
    this.refreshTimer = setTimeout(() => {
      this.refresh().catch((err: Error) => this.emit('error', err));
    }, wait);
  }

  /** Ask the callback for a fresh token and send it in an `auth` message (the session stays up). */
  async refresh(): Promise<void> {
    const token = await this.token();
    if (!token) return;
    const reply = (await this.request({ type: 'auth', token })) as AuthenticatedFrame;
    this.authenticated(reply);
  }

  /* ------------------------------------------------------------- heartbeat */

  private startHeartbeat(): void {
    const hb = this.opts.heartbeat === undefined ? DEFAULT_HEARTBEAT : this.opts.heartbeat;
    if (hb === false) return;
    this.lastFrameAt = Date.now();
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => {
      if (this.pingTimer !== undefined || Date.now() - this.lastFrameAt < hb.interval) return;
      const sentAt = Date.now();
      this.send({ type: 'ping' }, hb.timeout).catch(() => undefined);
      this.pingTimer = setTimeout(() => {
        this.pingTimer = undefined;
        if (this.lastFrameAt >= sentAt) return;
        // Nothing came back: the connection is dead even if the socket does not know it yet.
        const ws = this.ws;
        if (!ws) return;
        this.detach(ws);
        try {
          ws.close(HEARTBEAT_CLOSE, 'heartbeat timeout');
        } catch {
          // closing anyway
        }
        this.lost(HEARTBEAT_CLOSE, 'heartbeat timeout');
      }, hb.timeout);
    }, Math.max(250, Math.min(hb.interval, hb.timeout) / 2));
  }

  /* ---------------------------------------------------------------- outbound */

  /**
   * Send a frame with an `id` and resolve with the server's answer to it (rejects with the error
   * frame's code, with TIMEOUT after `requestTimeout`, or DISCONNECTED). Waits for the connection.
   */
  async request<T extends BaseFrame = BaseFrame>(frame: ClientFrame, timeout = this.opts.requestTimeout ?? 10_000): Promise<T> {
    const deadline = Date.now() + timeout;
    if (this.closedByUser || this.stateValue === 'closed') throw new ActorwireClientError('CLOSED', 'the client is closed');
    if (this.stateValue !== 'connected') {
      await Promise.race([
        this.connect(),
        new Promise((_, reject) => setTimeout(() => reject(new ActorwireClientError('TIMEOUT', `not connected within ${timeout} ms`)), timeout)),
      ]);
    }
    return (await this.send(frame, Math.max(1, deadline - Date.now()))) as T;
  }

  /** Send now with an id and wait for the answer (the socket must be open). */
  private send(frame: ClientFrame, timeout = this.opts.requestTimeout ?? 10_000): Promise<BaseFrame> {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN) return Promise.reject(new ActorwireClientError('DISCONNECTED', 'not connected'));
    const id = `c${++this.seq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ActorwireClientError('TIMEOUT', `no answer to ${frame.type} within ${timeout} ms`));
      }, timeout);
      this.pending.set(id, { resolve, reject, timer });
      ws.send(JSON.stringify({ ...frame, id }));
    });
  }

  /** Publish to a room (fire and forget); kept while disconnected and sent once back. */
  publish(room: string, data: unknown): void {
    this.sendOrQueue(JSON.stringify({ type: 'publish', room, data }));
  }

  /** Send a frame as it is, without waiting for anything (kept while disconnected). */
  sendFrame(frame: ClientFrame): void {
    this.sendOrQueue(JSON.stringify(frame));
  }

  private sendOrQueue(text: string): void {
    if (this.stateValue === 'connected' && !this.resyncing && this.ws?.readyState === OPEN) return this.ws.send(text);
    if (this.queue.length >= (this.opts.maxQueued ?? 1000)) throw new ActorwireClientError('QUEUE_FULL', 'too many messages queued while disconnected');
    this.queue.push(text);
  }

  /* ----------------------------------------------------------------- rooms */

  /**
   * Join `room` and call `onFrame` with every frame about it (`message`, `presence`, …) until the
   * returned function is called. The room is joined again after every reconnect. Several
   * handlers of one room share one subscription.
   */
  subscribe(room: string, onFrame: RoomHandler): Subscription {
    let entry = this.rooms.get(room);
    if (!entry) {
      entry = { handlers: new Set(), ready: Promise.resolve() as unknown as Promise<SubscribedFrame> };
      this.rooms.set(room, entry);
      this.armReady(room, entry);
      if (this.stateValue === 'connected') void this.sendSubscribe(room);
    }
    entry.handlers.add(onFrame);
    const current = entry;
    const unsubscribe = (() => {
      if (!current.handlers.delete(onFrame) || current.handlers.size > 0 || this.rooms.get(room) !== current) return;
      this.rooms.delete(room);
      if (this.stateValue === 'connected') this.send({ type: 'unsubscribe', room }).catch(() => undefined);
    }) as Subscription;
    Object.defineProperty(unsubscribe, 'room', { value: room });
    Object.defineProperty(unsubscribe, 'ready', { get: () => current.ready });
    Object.defineProperty(unsubscribe, 'position', { get: () => (current.position ? { ...current.position } : undefined) });
    Object.defineProperty(unsubscribe, 'recovered', { get: () => current.recovered });
    return unsubscribe;
  }

  /**
   * Page through a room's history (the server authorizes it like a subscribe): oldest first after
   * `since`, or the newest `limit` with `reverse`.
   */
  history(room: string, opts: { since?: StreamPosition; limit?: number; reverse?: boolean } = {}): Promise<HistoryFrame> {
    return this.request<HistoryFrame>({ type: 'history', room, ...opts });
  }

  /** The rooms this client is in (and rejoins after a reconnect). */
  get subscriptions(): string[] {
    return [...this.rooms.keys()];
  }

  private armReady(room: string, entry: Room): void {
    entry.ready = new Promise<SubscribedFrame>((resolve, reject) => {
      entry.settle = { resolve, reject };
    });
    entry.ready.catch(() => undefined); // a refusal is also reported as an error event
  }

  private sendSubscribe(room: string): Promise<void> {
    const entry = this.rooms.get(room);
    if (!entry) return Promise.resolve();
    if (!entry.settle) this.armReady(room, entry);
    // From the last position received: the server sends what was missed before live messages.
    const since = entry.position ? { ...entry.position } : undefined;
    return this.send(since ? { type: 'subscribe', room, since } : { type: 'subscribe', room }).then(
      (frame) => {
        const ack = frame as SubscribedFrame;
        const { epoch, offset, recovered } = ack.data ?? {};
        if (typeof epoch === 'string' && typeof offset === 'number') {
          const pos = entry.position;
          // Recovered messages (before the ack) may have moved it on already; never move it back.
          if (pos === undefined || pos.epoch !== epoch || offset > pos.offset) entry.position = { offset, epoch };
        }
        // (No `recovered` in the answer: the server had the session in the room already.)
        if (since !== undefined && typeof recovered === 'boolean') {
          entry.recovered = recovered;
          this.emit('resubscribed', { room, recovered });
        }
        entry.settle?.resolve(ack);
        entry.settle = undefined;
      },
      (err: Error) => {
        if (err instanceof ActorwireClientError && err.code === 'DISCONNECTED') return; // retried after the reconnect
        // Refused (FORBIDDEN, ROOM_FULL, …): not retried on every reconnect.
        if (this.rooms.get(room) === entry) this.rooms.delete(room);
        entry.settle?.reject(err);
        entry.settle = undefined;
        this.emit('error', err);
      },
    );
  }
}
