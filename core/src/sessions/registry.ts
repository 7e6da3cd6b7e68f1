/** Every live session of this instance, indexed by id and by user. */
import type { Broker, Frame, Identity, Session, SessionRegistry } from '../types.js';
import { protocolError } from '@actorwire/errors';
import type { HookRegistry } from '../registries/hooks.js';
import type { SessionImpl } from './session.js';

const NONE: ReadonlySet<SessionImpl> = new Set();

export class Sessions implements SessionRegistry {
  private readonly byId = new Map<string, SessionImpl>();
  /** A user's only session, or a Set once it has several (most users have one: no Set each). */
  private readonly byUser = new Map<string, SessionImpl | Set<SessionImpl>>();
  /**
   * Sessions that must authenticate and have not yet, oldest first (the unauthenticated budget
   * reads its size; a token-bearing upgrade at capacity evicts its first).
   */
  private readonly awaiting = new Set<SessionImpl>();

  constructor(
    /** Server-side publish (authorization skipped, `onPublish` hooks applied): the topic registry's. */
    private readonly publish: (topic: string, frame: Frame) => boolean | Promise<boolean>,
    private readonly hooks: HookRegistry,
    private readonly userTopicPrefix: string,
    /** The server's broker: told when a user's first session arrives / last one leaves. */
    private readonly broker: () => Broker,
  ) {}

  add(s: SessionImpl): void {
    this.byId.set(s.id, s);
    if (s.identity) this.indexUser(s, s.identity.userId);
    else if (s.authRequired) this.awaiting.add(s);
  }

  remove(s: SessionImpl): void {
    if (!this.byId.delete(s.id)) return;
    const uid = s.identity?.userId;
    if (uid === undefined) {
      this.awaiting.delete(s);
      return;
    }
    const entry = this.byUser.get(uid);
    if (entry === undefined) return;
    if (entry instanceof Set) {
      entry.delete(s);
      if (entry.size === 1) this.byUser.set(uid, entry.values().next().value!);
      return;
    }
    if (entry !== s) return;
    this.byUser.delete(uid);
    this.broker().topicInactive?.(this.userTopic(uid), undefined);
  }

  /** Sessions that must authenticate and have not yet. */
  awaitingAuthCount(): number {
    return this.awaiting.size;
  }

  /**
   * The oldest session still waiting to authenticate, no longer counted as waiting (it is being
   * evicted), or undefined when there is none.
   */
  takeOldestAwaitingAuth(): SessionImpl | undefined {
    const first = this.awaiting.values().next();
    if (first.done) return undefined;
    this.awaiting.delete(first.value);
    return first.value;
  }

  get(id: string): SessionImpl | undefined {
    return this.byId.get(id);
  }

  count(): number {
    return this.byId.size;
  }

  all(): IterableIterator<SessionImpl> {
    return this.byId.values();
  }

  ofUser(userId: string): ReadonlySet<SessionImpl> {
    const entry = this.byUser.get(userId);
    if (entry === undefined) return NONE;
    return entry instanceof Set ? entry : new Set([entry]);
  }

  userCount(): number {
    return this.byUser.size;
  }

  userTopic(userId: string): string {
    return this.userTopicPrefix + userId;
  }

  async authenticate(session: Session, identity: Identity): Promise<void> {
    const s = session as SessionImpl;
    const previous = s.identity;
    if (previous && previous.userId !== identity.userId) {
      // A refresh must belong to the same user; anything else is a new session.
      throw protocolError('UNAUTHORIZED', 'token belongs to another user');
    }
    s.identity = identity;
    s.publishGrants = undefined; // a new identity is asked again
    if (!previous) {
      this.awaiting.delete(s);
      this.indexUser(s, identity.userId);
      s.joinSystemTopic(this.userTopic(identity.userId));
    }
    s.dispatch({ type: 'AUTHENTICATED', expiresAt: identity.expiresAt });
    if (!previous) await s.joinAutoTopics();
    if (this.hooks.has('onAuthenticated')) await this.hooks.run('onAuthenticated', s, identity);
  }

  /** Joins the user's topic at open for sessions authenticated during the upgrade. */
  attachIdentity(s: SessionImpl): void {
    if (s.identity) s.joinSystemTopic(this.userTopic(s.identity.userId));
  }

  async sendToUser(userId: string, frame: Frame): Promise<boolean> {
    return this.publish(this.userTopic(userId), frame);
  }

  private indexUser(s: SessionImpl, userId: string): void {
    const entry = this.byUser.get(userId);
    if (entry === undefined) {
      this.byUser.set(userId, s);
      this.broker().topicActive?.(this.userTopic(userId), undefined);
    } else if (entry instanceof Set) entry.add(s);
    else if (entry !== s) this.byUser.set(userId, new Set([entry, s]));
  }
}
