/** The live handle of one connection: what plugins call, what the actor controls. */
import { randomUUID } from 'node:crypto';
import type { SpanContext } from '@opentelemetry/api';
import type { Dialects } from '../registries/dialects.js';
import type { WebSocket } from '#uws';
import { CloseCodes, ActorwireError } from '@actorwire/errors';
import type { Dialect, Frame, Identity, Session, SessionPhase } from '../types.js';
import type { SessionEvent } from './machine.js';
import { MachineActor, type MachineRuntime } from '@actorwire/actors';
import type { SessionMachine } from './machine.js';

/**
 * What every session of one route shares. One object per route, not per connection: closures
 * created per session cost ~300 bytes each under tsx (its keepNames `__name` helper turns every
 * fresh function into a dictionary-mode object), and there are tens of thousands of sessions.
 */
export interface SessionEnv {
  /** The kernel's session machine, wheel and actor scope (`@actorwire/actors`). */
  runtime: MachineRuntime<SessionMachine>;
  /** The per-connection subscription limit (0: none): the actor hears only of counts that cross it. */
  maxSubscriptions: number;
  authRequired: boolean;
  maxBackpressure: number;
  closeSlowConsumers: boolean;
  /** Called once the actor reaches `closed`. */
  onClosed(session: SessionImpl): void;
  /** Counts frames sent directly (not fan-out). */
  onSent(): void;
  /** Joins the route's `autoTopics`; called once the session is ready (at open, or at its first authentication). */
  joinAutoTopics?: (session: SessionImpl) => Promise<void>;
  /** The dialect registry: a session of a dialect joins its uWS topics through it. */
  dialects: Dialects;
  /** The route's own inbound rewrite (WsRouteOptions.decode), after the dialect's. */
  decode: ((raw: Record<string, unknown>) => Record<string, unknown>) | undefined;
}

/** A dialect session's wire dialect and the topics it joined under the dialect's uWS names. */
interface Wire {
  readonly dialect: Dialect;
  readonly topics: Set<string>;
}

/** What is particular to one connection. */
export interface SessionInit {
  ws: WebSocket<unknown>;
  env: SessionEnv;
  route: string;
  params: Record<string, string>;
  /** Raw query string; parsed on first use (most sessions never read it). */
  rawQuery: string;
  remoteAddress: string;
  identity?: Identity;
  data?: Map<string, unknown>;
  now: number;
  /** A wire dialect other than the canonical protocol. */
  dialect?: Dialect;
  /** The upgrade's span, when tracing: each message span links to it. */
  traceLink?: SpanContext | undefined;
}

const NO_TOPICS: ReadonlySet<string> = new Set();

export class SessionImpl implements Session {
  readonly id = randomUUID();
  readonly route: string;
  readonly params: Readonly<Record<string, string>>;
  readonly remoteAddress: string;
  readonly connectedAt: number;
  /** The upgrade's span context (tracing only): message spans link to it. */
  readonly traceLink: SpanContext | undefined;
  identity: Identity | undefined;
  /** Last inbound activity (message or pong), ms on the kernel clock; the heartbeat reads it. */
  lastSeen: number;
  /** Token bucket state of the inbound rate limit. */
  tokens = -1;
  lastRefill = 0;
  violations = 0;
  /** True once the socket is gone: nothing may touch `ws` after that. */
  socketClosed = false;
  /** Inbound frames held while onOpen hooks run; undefined once the session is open. */
  pendingFrames: ArrayBuffer[] | undefined;
  /** Settles when onOpen hooks (and auto topics) are done. */
  opened: Promise<void> | undefined;
  /** Close code and reason as the socket reported them. */
  closeInfo: { code: number; reason: string } | undefined;
  readonly actor: MachineActor<SessionMachine>;
  private readonly ws: WebSocket<unknown>;
  private topicSet: Set<string> | undefined;
  private dataMap: Map<string, unknown> | undefined;
  private readonly env: SessionEnv;
  private readonly rawQuery: string;
  /** Set for sessions of a dialect only (one slot: canonical sessions pay nothing more). */
  private readonly wire: Wire | undefined;

  constructor(init: SessionInit) {
    const env = init.env;
    this.env = env;
    this.rawQuery = init.rawQuery;
    this.ws = init.ws;
    this.route = init.route;
    this.params = init.params;
    this.remoteAddress = init.remoteAddress;
    this.identity = init.identity;
    this.connectedAt = init.now;
    this.lastSeen = init.now;
    if (init.data && init.data.size > 0) this.dataMap = init.data;
    if (init.dialect) this.wire = { dialect: init.dialect, topics: new Set() };
    this.traceLink = init.traceLink;
    this.actor = new MachineActor(env.runtime);
  }

  get dialect(): string | undefined {
    return this.wire?.dialect.name;
  }

  /** The lifecycle phase, read from the actor's state (the top-level state is the phase). */
  get phase(): SessionPhase {
    const value = this.actor.getSnapshot().value;
    return typeof value === 'string' ? (value as SessionPhase) : 'ready';
  }

  private queryCache: URLSearchParams | undefined;

  get query(): URLSearchParams {
    return (this.queryCache ??= new URLSearchParams(this.rawQuery));
  }

  get userId(): string | undefined {
    return this.identity?.userId;
  }

  get authenticated(): boolean {
    return this.identity !== undefined;
  }

  /** Whether this session's route requires authentication. */
  get authRequired(): boolean {
    return this.env.authRequired;
  }

  get topics(): ReadonlySet<string> {
    return this.topicSet ?? NO_TOPICS;
  }

  get subscriptionCount(): number {
    return this.topicSet?.size ?? 0;
  }

  get data(): Map<string, unknown> {
    return (this.dataMap ??= new Map());
  }

  /** The subscription region of the actor is `full`. */
  get subscriptionsFull(): boolean {
    return this.actor.getSnapshot().matches({ ready: { subscriptions: 'full' } });
  }

  /** The socket is open: start the actor past `connecting`, in one transition. */
  start(): void {
    const identity = this.identity;
    this.actor.start({ sessionId: this.id, authRequired: this.env.authRequired, authenticated: identity !== undefined, expiresAt: identity?.expiresAt, opened: true });
  }

  /**
   * The subscription count changed: the actor hears of it when the change crosses the
   * per-connection limit (it decides open ⇄ full); a change that crosses nothing costs no event.
   */
  subscriptionsChanged(): void {
    const max = this.env.maxSubscriptions;
    if (max <= 0) return;
    const count = this.subscriptionCount;
    if ((count >= max) !== this.subscriptionsFull) this.dispatch({ type: 'SUBSCRIPTIONS_CHANGED', count });
  }

  dispatch(event: SessionEvent): void {
    if (this.phase !== 'closed') this.actor.send(event);
  }

  /* ------------------------------------------------------------- sending */

  send(frame: Frame): boolean {
    if (frame.timestamp === undefined) frame.timestamp = Date.now();
    if (this.wire === undefined) return this.write(JSON.stringify(frame));
    const text = this.wire.dialect.encode(frame as Frame & Record<string, unknown>, undefined);
    return text === undefined ? true : this.write(text);
  }

  /** Pre-serialized canonical JSON; a dialect session gets it encoded (parsed once, for it alone). */
  sendRaw(json: string): boolean {
    if (this.wire === undefined) return this.write(json);
    let frame: Frame & Record<string, unknown>;
    try {
      frame = JSON.parse(json) as Frame & Record<string, unknown>;
    } catch {
      return this.write(json);
    }
    const text = this.wire.dialect.encode(frame, undefined);
    return text === undefined ? true : this.write(text);
  }

  bufferedAmount(): number {
    return this.socketClosed ? 0 : this.ws.getBufferedAmount();
  }

  private write(text: string): boolean {
    if (this.socketClosed) return false;
    const result = this.ws.send(text, false);
    this.env.onSent();
    if (result === 2 || (this.env.closeSlowConsumers && this.ws.getBufferedAmount() > this.env.maxBackpressure)) {
      if (this.env.closeSlowConsumers) this.close(CloseCodes.POLICY_VIOLATION, 'slow consumer');
      return false;
    }
    return true;
  }

  sendError(err: ActorwireError, id?: string): void {
    const frame: Frame = { type: 'error', error: err.message, code: err.code, timestamp: Date.now() };
    if (id !== undefined) frame.id = id;
    this.send(frame);
    if (err.closeCode !== undefined) this.close(err.closeCode, err.message);
  }

  close(code: number = CloseCodes.NORMAL, reason = ''): void {
    this.dispatch({ type: 'CLOSE', code, reason });
  }

  /* ------------------------------------------------------ topic bookkeeping */

  /** The route's automatic topics, once the session may have them (ready). */
  joinAutoTopics(): Promise<void> {
    return this.env.joinAutoTopics?.(this) ?? Promise.resolve();
  }

  /** uWS-level subscribe; the kernel's topic registry calls this after every check passed. */
  joinTopic(topic: string): boolean {
    if (this.socketClosed) return false;
    (this.topicSet ??= new Set()).add(topic);
    this.ws.subscribe(this.uwsTopic(topic));
    return true;
  }

  /**
   * Topics this session may publish to, as the topic rules answered (Topics keeps it): a grant
   * lasts while the session stays subscribed with the same identity.
   */
  publishGrants: Set<string> | undefined = undefined;

  leaveTopic(topic: string): boolean {
    this.publishGrants?.delete(topic);
    if (!this.topicSet?.delete(topic)) return false;
    if (!this.socketClosed) this.ws.unsubscribe(this.uwsTopic(topic));
    this.leftDialectTopic(topic);
    return true;
  }

  /** Subscribe to a kernel-managed topic that does not count as a room (the user topic). */
  joinSystemTopic(topic: string): void {
    if (!this.socketClosed) this.ws.subscribe(this.uwsTopic(topic));
  }

  leaveSystemTopic(topic: string): void {
    if (!this.socketClosed) this.ws.unsubscribe(this.uwsTopic(topic));
    this.leftDialectTopic(topic);
  }

  /** An inbound frame in the canonical protocol (the dialect, then the route, may rewrite it). */
  /** A frame that is not JSON: true when the session's dialect answered it (`Dialect.text`). */
  answerText(text: string): boolean {
    const dialect = this.wire?.dialect;
    if (dialect?.text === undefined) return false;
    const answer = dialect.text(text);
    if (answer === undefined) return false;
    this.write(answer);
    return true;
  }

  decodeInbound(raw: Record<string, unknown>): Record<string, unknown> {
    const decode = this.wire?.dialect.decode;
    const canonical = decode === undefined ? raw : decode.call(this.wire!.dialect, raw);
    const route = this.env.decode;
    return route === undefined ? canonical : route(canonical);
  }

  /** The uWS topic this session is on for `topic`: itself, or the dialect's name for it. */
  private uwsTopic(topic: string): string {
    const wire = this.wire;
    if (wire === undefined) return topic;
    wire.topics.add(topic);
    return this.env.dialects.join(wire.dialect, topic);
  }

  private leftDialectTopic(topic: string): void {
    const wire = this.wire;
    if (wire === undefined || !wire.topics.delete(topic)) return;
    this.env.dialects.left(wire.dialect, topic);
  }

  /** Hand over (and forget) every topic, for disconnect cleanup. */
  takeTopics(): string[] {
    const list = this.topicSet ? [...this.topicSet] : [];
    this.topicSet = undefined;
    this.publishGrants = undefined;
    return list;
  }

  /* --------------------------------------------- what the machine's host calls */

  ping(): void {
    if (!this.socketClosed) this.ws.ping();
  }

  reportError(err: ActorwireError): void {
    const frame: Frame = { type: 'error', error: err.message, code: err.code, timestamp: Date.now() };
    this.send(frame);
  }

  /** Runs `fn` inside this socket's cork; false (and `fn` not run) when the socket is gone. */
  corkWith(fn: () => void): boolean {
    if (this.socketClosed) return false;
    this.ws.cork(fn);
    return true;
  }

  endSocket(code: number, reason: string): void {
    if (this.socketClosed) return;
    this.socketClosed = true;
    try {
      this.ws.end(code, reason.slice(0, 120));
    } catch {
      // Already closed underneath us; the close handler still runs.
    }
  }

  onClosed(): void {
    // Reaching the final state stops the actor and unregisters it from the shared system.
    this.socketClosed = true;
    this.env.onClosed(this);
    const wire = this.wire;
    if (wire !== undefined && wire.topics.size > 0) {
      // uWS drops a closed socket's subscriptions once its close handler returns: count after that.
      const topics = [...wire.topics];
      wire.topics.clear();
      setImmediate(() => { for (const t of topics) this.env.dialects.left(wire.dialect, t); });
    }
  }
}
