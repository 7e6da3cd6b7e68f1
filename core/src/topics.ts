/**
 * Topics: who may use them (patterns → authorizers) and who is in them on this instance.
 * Subscribing goes through one path: phase, limit, authorization, onSubscribe hooks,
 * uWS topic, membership, transports — so every plugin gets the same guarantees.
 */
import { KernelError, KernelErrors, isActorwireError, protocolError } from './errors.js';
import { KERNEL_OWNER, who, type Seal } from './registration.js';
import type { HookRegistry } from './hooks.js';
import type { SessionImpl } from './sessions/session.js';
import type { Policies } from './policies.js';
import type {
  AuthorizeInput, AuthorizeResult, Bus, Frame, Session, SubscribeOptions, TopicAction, TopicDefinition, TopicRegistry, TopicRouter, Transport,
} from './types.js';

interface CompiledTopic {
  pattern: string;
  owner: string;
  regex: RegExp;
  specificity: number;
  def: TopicDefinition;
  order: number;
}

interface CompiledRoute {
  pattern: string;
  owner: string;
  regex: RegExp;
  specificity: number;
  router: TopicRouter;
}

const EMPTY: ReadonlySet<Session> = new Set();
/** Topics whose route was looked up, remembered (null: none) up to this many, then forgotten at once. */
const ROUTE_CACHE_MAX = 10_000;

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
  private readonly routes: CompiledRoute[] = [];
  private readonly routeOf = new Map<string, TopicRouter | null>();

  constructor(
    private readonly policies: Policies,
    private readonly hooks: HookRegistry,
    private readonly bus: Bus,
    private readonly transports: () => readonly Transport[],
    private readonly seal: Seal,
  ) {}

  define(pattern: string, def: TopicDefinition, owner: string = KERNEL_OWNER): void {
    this.seal.check(owner, `topic pattern "${pattern}"`);
    const existing = this.defs.find((d) => d.pattern === pattern);
    if (existing) {
      throw new KernelError(KernelErrors.DUPLICATE_TOPIC, `${who(owner)} defines topic pattern "${pattern}", already defined by ${who(existing.owner)}`, owner);
    }
    const { regex, specificity } = compilePattern(pattern);
    this.defs.push({ pattern, owner, regex, specificity, def, order: this.defs.length });
    // Most literal characters first; later definitions win ties so plugins can refine.
    this.defs.sort((a, b) => b.specificity - a.specificity || b.order - a.order);
  }

  route(pattern: string, router: TopicRouter, owner: string = KERNEL_OWNER): void {
    this.seal.check(owner, `topic route "${pattern}"`);
    const existing = this.routes.find((r) => r.pattern === pattern);
    if (existing) {
      throw new KernelError(KernelErrors.DUPLICATE_TOPIC, `${who(owner)} routes topic pattern "${pattern}", already routed by ${who(existing.owner)}`, owner);
    }
    if (typeof router?.publish !== 'function') throw new KernelError(KernelErrors.PLUGIN_REGISTER, `${who(owner)}: the router of "${pattern}" needs a publish function`, owner);
    const { regex, specificity } = compilePattern(pattern);
    this.routes.push({ pattern, owner, regex, specificity, router });
    this.routes.sort((a, b) => b.specificity - a.specificity);
    this.routeOf.clear();
  }

  /** The router of a topic, if any: one Map lookup once known; nothing at all while no route exists. */
  private routerOf(topic: string): TopicRouter | undefined {
    if (this.routes.length === 0) return undefined;
    let r = this.routeOf.get(topic);
    if (r === undefined) {
      r = this.routes.find((x) => x.regex.test(topic))?.router ?? null;
      if (this.routeOf.size >= ROUTE_CACHE_MAX) this.routeOf.clear();
      this.routeOf.set(topic, r);
    }
    return r ?? undefined;
  }

  private match(topic: string): { def: TopicDefinition; params: Record<string, string> } | undefined {
    for (const d of this.defs) {
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

  async subscribe(session: Session, topic: string, opts: SubscribeOptions = {}): Promise<number> {
    const s = session as SessionImpl;
    if (s.phase !== 'ready') throw protocolError('UNAUTHORIZED');
    if (s.topics.has(topic)) return this.localCount(topic);
    if (s.subscriptionsFull) throw protocolError('TOO_MANY_SUBSCRIPTIONS');
    if (!opts.skipAuthorization) await this.authorizeNow(s, topic, 'subscribe');
    if (this.hooks.has('onSubscribe') && !(await this.hooks.runVetoable('onSubscribe', s, topic))) {
      throw protocolError('FORBIDDEN');
    }
    // Authorization and hooks were awaited: the session may have closed, joined this topic, or
    // filled up with concurrent subscribes meanwhile. Check again; from here to the join is synchronous.
    if (s.phase !== 'ready') throw protocolError('UNAUTHORIZED', 'session is closed');
    if (s.topics.has(topic)) return this.localCount(topic);
    if (s.subscriptionsFull) throw protocolError('TOO_MANY_SUBSCRIPTIONS');
    opts.beforeJoin?.();
    if (!s.joinTopic(topic)) throw protocolError('UNAUTHORIZED', 'session is closed');
    let set = this.members.get(topic);
    if (!set) {
      this.members.set(topic, (set = new Set()));
      for (const t of this.transports()) t.topicActive?.(topic);
    }
    set.add(s);
    s.subscriptionsChanged();
    return set.size;
  }

  async unsubscribe(session: Session, topic: string): Promise<boolean> {
    const s = session as SessionImpl;
    if (!s.leaveTopic(topic)) return false;
    this.dropMember(s, topic);
    s.subscriptionsChanged();
    if (this.hooks.has('onUnsubscribe')) await this.hooks.runAll('onUnsubscribe', s, topic);
    return true;
  }

  /** Authorize and publish a frame to a topic (onPublish hooks may veto or transform). */
  async publish(session: Session | null, topic: string, frame: Frame): Promise<boolean> {
    return this.publishNow(session, topic, frame);
  }

  /**
   * `publish` without a promise when nothing on the way awaits (a cached or synchronous
   * authorization, no onPublish hook): the common publish costs no microtask.
   */
  publishNow(session: Session | null, topic: string, frame: Frame): boolean | Promise<boolean> {
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
    const router = this.routerOf(topic);
    if (router === undefined) {
      this.bus.publish(topic, frame);
      return true;
    }
    const done = router.publish(topic, frame);
    return done === undefined ? true : done.then(() => true);
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
      for (const t of this.transports()) t.topicInactive?.(topic);
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
