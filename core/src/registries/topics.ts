/**
 * Topics: who may use them (patterns → authorizers), which keep history, and who is in them on
 * this instance. Subscribing goes through one path: phase, limit, authorization, onSubscribe
 * hooks, then — synchronously — limits again, recovery, uWS topic, membership, broker interest;
 * publishing through another: authorization, onPublish hooks, the bus or the broker's history.
 */
import { KernelError, KernelErrors, isActorwireError, protocolError } from '@actorwire/errors';
import { KERNEL_OWNER, who, type Seal } from './registration.js';
import type { HookRegistry } from './hooks.js';
import type { SessionImpl } from '../sessions/session.js';
import type { Policies } from './policies.js';
import type { LocalBus } from '../broker/local-bus.js';
import type {
  AuthorizeInput, AuthorizeResult, Broker, Frame, HistoryJoin, HistoryOptions, HistoryPage, HistoryQuery, KeptHistory, Session, StreamPosition,
  SubscribeOptions, Subscribed, TopicAction, TopicDefinition, TopicRegistry,
} from '../types.js';

interface CompiledTopic {
  pattern: string;
  owner: string;
  regex: RegExp;
  specificity: number;
  def: TopicDefinition;
  /** A definition that only gives history takes no part in authorization. */
  authorizes: boolean;
  history: KeptHistory | undefined;
  order: number;
}

const EMPTY: ReadonlySet<Session> = new Set();
/** Topics whose history rule was looked up, remembered (null: none) up to this many, then forgotten at once. */
const HISTORY_CACHE_MAX = 10_000;
const HISTORY_DEFAULTS = { ttl: 0, maxBytes: 4 * 1024 * 1024, maxMessageBytes: 64 * 1024 };

/** Counts of the recoveries the kernel made (`actorwire_history_events`). */
export interface RecoveryStats {
  /** Joins with a position whose missed messages were all sent. */
  recovered: number;
  /** Joins with a position the history no longer covered, or too large to send at once. */
  unrecovered: number;
  /** Messages sent to recovering sessions. */
  resent: number;
}

export function compilePattern(pattern: string): { regex: RegExp; specificity: number } {
  let src = '';
  let literal = 0;
  const re = /\{([A-Za-z_][A-Za-z0-9_]*)\}|(\*$)|([^{*]+)/gy;
  let consumed = 0;
  for (let m = re.exec(pattern); m; m = re.exec(pattern)) {
    consumed = re.lastIndex;
    if (m[1]) src += `(?<${m[1]}>[^:/]+)`;
    else if (m[2]) src += '(?<rest>.*)';
    else {
      src += m[3]!.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
      literal += m[3]!.length;
    }
  }
  if (consumed !== pattern.length) throw new KernelError(KernelErrors.INVALID_SCHEMA, `invalid topic pattern "${pattern}"`, pattern);
  return { regex: new RegExp(`^${src}$`), specificity: literal };
}

export class Topics implements TopicRegistry {
  private readonly defs: CompiledTopic[] = [];
  private readonly members = new Map<string, Set<SessionImpl>>();
  private readonly historyCache = new Map<string, KeptHistory | null>();
  private historyPatterns = 0;
  readonly recoveries: RecoveryStats = { recovered: 0, unrecovered: 0, resent: 0 };

  constructor(
    private readonly policies: Policies,
    private readonly hooks: HookRegistry,
    private readonly bus: LocalBus,
    private readonly broker: () => Broker,
    private readonly seal: Seal,
    /** The sockets' send-buffer limit: a recovery sends at most half of it at once. */
    private readonly maxBackpressure: number,
    /** Topics that never keep history: the kernel's own (`$…`) and user topics. */
    private readonly userTopicPrefix: string,
  ) {}

  define(pattern: string, def: TopicDefinition, owner: string = KERNEL_OWNER): void {
    this.seal.check(owner, `topic pattern "${pattern}"`);
    // `{}` authorizes too: it opens the pattern to everyone.
    const authorizes = def.history === undefined || Object.keys(def).some((k) => k !== 'history');
    const history = def.history === undefined ? undefined : keptHistory(pattern, def.history, owner);
    // One pattern may be defined twice when the definitions do not overlap (one authorizes, the other keeps history).
    const existing = this.defs.find((d) => d.pattern === pattern && ((d.authorizes && authorizes) || (d.history && history)));
    if (existing) {
      throw new KernelError(KernelErrors.DUPLICATE_TOPIC, `${who(owner)} defines topic pattern "${pattern}", already defined by ${who(existing.owner)}`, owner);
    }
    const { regex, specificity } = compilePattern(pattern);
    this.defs.push({ pattern, owner, regex, specificity, def, authorizes, history, order: this.defs.length });
    // Most literal characters first; later definitions win ties so plugins can refine.
    this.defs.sort((a, b) => b.specificity - a.specificity || b.order - a.order);
    if (history) this.historyPatterns++;
    this.historyCache.clear();
  }

  /** True when some pattern keeps history. */
  get keepsHistory(): boolean {
    return this.historyPatterns > 0;
  }

  /** The history of a topic, if any: nothing to look up while no pattern keeps history, one Map lookup once known. */
  historyOf(topic: string): KeptHistory | undefined {
    if (this.historyPatterns === 0) return undefined;
    let h = this.historyCache.get(topic);
    if (h === undefined) {
      const kept = topic.charCodeAt(0) !== 36 /* $ */ && !topic.startsWith(this.userTopicPrefix);
      h = (kept ? this.defs.find((d) => d.history !== undefined && d.regex.test(topic))?.history : undefined) ?? null;
      if (this.historyCache.size >= HISTORY_CACHE_MAX) this.historyCache.clear();
      this.historyCache.set(topic, h);
    }
    return h ?? undefined;
  }

  private match(topic: string): { def: TopicDefinition; params: Record<string, string> } | undefined {
    for (const d of this.defs) {
      if (!d.authorizes) continue;
      const m = d.regex.exec(topic);
      if (m) return { def: d.def, params: { ...(m.groups ?? {}) } };
    }
    return undefined;
  }

  private verdict(result: AuthorizeResult, action: TopicAction): void {
    if (result === true) return;
    if (isActorwireError(result)) throw result;
    throw protocolError('FORBIDDEN', action === 'publish' ? 'not allowed to publish to this room' : undefined);
  }

  /**
   * Authorize without a promise when the rule answers synchronously (or a grant is cached):
   * undefined when allowed, a thrown error when not, a promise only for a rule that awaits.
   */
  authorizeNow(session: Session, topic: string, action: TopicAction): Promise<void> | undefined {
    const s = session as SessionImpl;
    if (action === 'publish' && s.publishGrants?.has(topic)) return undefined;
    const found = this.match(topic);
    const rule = found === undefined ? undefined : action === 'publish' ? found.def.authorizePublish ?? found.def.authorize : found.def.authorize;
    const grant = action === 'publish' && found?.def.cachePublishGrants !== false;
    if (rule === undefined) {
      if (grant) (s.publishGrants ??= new Set()).add(topic);
      return undefined;
    }
    const input: AuthorizeInput = { session, topic, action, params: found!.params };
    const out = typeof rule === 'string' ? this.policies.checkNow(rule, input) : rule(input);
    if (out instanceof Promise || (typeof out === 'object' && out !== null && typeof (out as PromiseLike<unknown>).then === 'function')) {
      return Promise.resolve(out).then((result) => {
        this.verdict(result, action);
        if (grant && s.topics.has(topic)) (s.publishGrants ??= new Set()).add(topic);
      });
    }
    this.verdict(out as AuthorizeResult, action);
    // Only while subscribed: leaving the topic (or a new identity) drops the grant.
    if (grant && s.topics.has(topic)) (s.publishGrants ??= new Set()).add(topic);
    return undefined;
  }

  async authorize(session: Session, topic: string, action: TopicAction): Promise<void> {
    await this.authorizeNow(session, topic, action);
  }

  async subscribe(session: Session, topic: string, opts: SubscribeOptions = {}): Promise<Subscribed> {
    const s = session as SessionImpl;
    if (s.phase !== 'ready') throw protocolError('UNAUTHORIZED');
    if (s.topics.has(topic)) return { members: this.localCount(topic) };
    if (s.subscriptionsFull) throw protocolError('TOO_MANY_SUBSCRIPTIONS');
    if (!opts.skipAuthorization) await this.authorizeNow(s, topic, 'subscribe');
    if (this.hooks.has('onSubscribe') && !(await this.hooks.runVetoable('onSubscribe', s, topic))) {
      throw protocolError('FORBIDDEN');
    }
    const history = this.historyOf(topic);
    // Prepared before the last checks: a broker may await (listen, read); what is published
    // meanwhile it holds for `take`.
    const join: HistoryJoin | undefined = history === undefined ? undefined : await this.broker().join(topic, history, opts.since);
    try {
      // Authorization, hooks and the broker were awaited: the session may have closed, joined this
      // topic, or filled up with concurrent subscribes meanwhile. From here to the join is synchronous.
      if (s.phase !== 'ready') throw protocolError('UNAUTHORIZED', 'session is closed');
      if (s.topics.has(topic)) return { members: this.localCount(topic) };
      const limits = opts.limits;
      if (s.subscriptionsFull || (limits?.sessionTopics !== undefined && s.topics.size >= limits.sessionTopics)) throw protocolError('TOO_MANY_SUBSCRIPTIONS');
      if (limits?.members !== undefined && this.localCount(topic) >= limits.members) throw protocolError('ROOM_FULL');
      const out: Subscribed = join === undefined ? { members: 0 } : this.recover(s, join.take(), opts.since);
      if (join === undefined && opts.since !== undefined) out.recovered = false;
      if (!s.joinTopic(topic)) throw protocolError('UNAUTHORIZED', 'session is closed');
      let set = this.members.get(topic);
      if (!set) {
        this.members.set(topic, (set = new Set()));
        this.broker().topicActive?.(topic, history);
      }
      set.add(s);
      s.subscriptionsChanged();
      out.members = set.size;
      return out;
    } finally {
      join?.release();
    }
  }

  /**
   * Send what the session missed since its position, all or nothing: a recovery larger than half
   * the socket's send buffer (less what it holds) would drop what follows it, so it answers
   * `recovered: false` instead and the client pages through the history.
   */
  private recover(s: SessionImpl, page: HistoryPage, since: StreamPosition | undefined): Subscribed {
    const out: Subscribed = { members: 0, position: { epoch: page.epoch, offset: page.offset } };
    if (since === undefined) return out;
    let bytes = 0;
    for (const p of page.messages) bytes += p.length;
    if (!page.complete || bytes > Math.max(0, Math.floor(this.maxBackpressure / 2) - s.bufferedAmount())) {
      this.recoveries.unrecovered++;
      out.recovered = false;
      return out;
    }
    for (const p of page.messages) s.sendRaw(p);
    this.recoveries.recovered++;
    this.recoveries.resent += page.messages.length;
    out.recovered = true;
    return out;
  }

  async unsubscribe(session: Session, topic: string): Promise<boolean> {
    const s = session as SessionImpl;
    if (!s.leaveTopic(topic)) return false;
    this.dropMember(s, topic);
    s.subscriptionsChanged();
    if (this.hooks.has('onUnsubscribe')) await this.hooks.runAll('onUnsubscribe', s, topic);
    return true;
  }

  /**
   * Authorize and publish a frame to a topic (onPublish hooks may veto or transform), without a
   * promise when nothing on the way awaits: the common publish costs no microtask.
   */
  publish(session: Session | null, topic: string, frame: Frame): boolean | Promise<boolean> {
    const pending = session ? this.authorizeNow(session, topic, 'publish') : undefined;
    if (pending !== undefined) return pending.then(() => this.publishAuthorized(session, topic, frame));
    return this.publishAuthorized(session, topic, frame);
  }

  private publishAuthorized(session: Session | null, topic: string, frame: Frame): boolean | Promise<boolean> {
    if (this.hooks.has('onPublish')) {
      return this.hooks.runTransform('onPublish', session, topic, frame).then((out) => (out === false ? false : this.send(topic, out)));
    }
    return this.send(topic, frame);
  }

  private send(topic: string, frame: Frame): boolean | Promise<boolean> {
    const history = this.historyOf(topic);
    if (history === undefined) {
      this.bus.publish(topic, frame);
      return true;
    }
    const done = this.broker().append(topic, frame, history);
    return done === undefined ? true : done.then(() => true);
  }

  history(topic: string, query: HistoryQuery): Promise<HistoryPage> {
    const history = this.historyOf(topic);
    if (history === undefined) return Promise.reject(protocolError('INVALID_MESSAGE', `room "${topic}" keeps no history`));
    return this.broker().read(topic, history, { ...query, limit: Math.min(query.limit, history.size) });
  }

  /** Disconnect: drop every membership of the session. Returns the topics it left. */
  removeSession(s: SessionImpl): string[] {
    const left = s.takeTopics();
    for (const topic of left) this.dropMember(s, topic);
    return left;
  }

  private dropMember(s: SessionImpl, topic: string): void {
    const set = this.members.get(topic);
    if (!set) return;
    set.delete(s);
    if (set.size === 0) {
      this.members.delete(topic);
      this.broker().topicInactive?.(topic, this.historyOf(topic));
    }
  }

  localCount(topic: string): number {
    return this.members.get(topic)?.size ?? 0;
  }

  localMembers(topic: string): ReadonlySet<Session> {
    return this.members.get(topic) ?? EMPTY;
  }

  localTopics(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [t, set] of this.members) out.set(t, set.size);
    return out;
  }

  topicCount(): number {
    return this.members.size;
  }
}

/** A pattern's history with its defaults, checked: a bad one fails the plugin that defines it. */
function keptHistory(pattern: string, h: HistoryOptions, owner: string): KeptHistory {
  const kept: KeptHistory = { ...HISTORY_DEFAULTS, ...h } as KeptHistory;
  const int = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
  const bad = (why: string) => new KernelError(KernelErrors.PLUGIN_OPTIONS, `${who(owner)}: the history of topic pattern "${pattern}" ${why}`, owner);
  if (!int(kept.size, 1, 100_000)) throw bad(`needs a size from 1 to 100000 (got ${String(h.size)})`);
  if (!int(kept.ttl, 0)) throw bad('needs a ttl ≥ 0 (ms)');
  if (!int(kept.maxMessageBytes, 256)) throw bad('needs maxMessageBytes ≥ 256');
  if (!int(kept.maxBytes, kept.maxMessageBytes)) throw bad(`needs maxBytes ≥ maxMessageBytes (${kept.maxMessageBytes})`);
  return Object.freeze(kept);
}
