/**
 * Which sessions of this instance watch which views (snapshot sections, analytics dashboards):
 * a session watches what it last asked for, up to `maxPerSession` views (its oldest dropped
 * first), until it disconnects. `joined`/`left` tell the plugin when a session starts and stops
 * watching a view: it subscribes the session to the view's topic, where refreshes are published.
 */
import type { Session } from '@actorwire/core';

/** What can be watched: a key naming it, and the entity (and section) whose changes touch it. */
export interface Watchable {
  readonly key: string;
  readonly entity: string;
  readonly section?: string;
}

export interface Watched<V extends Watchable> {
  readonly view: V;
  readonly sessions: Set<Session>;
}

export class Watchers<V extends Watchable> {
  private readonly byKey = new Map<string, Watched<V>>();
  /** Session id → its views' keys, oldest first. */
  private readonly bySession = new Map<string, string[]>();

  constructor(
    private readonly maxPerSession: number,
    private readonly on: { joined?(session: Session, view: V): void; left?(session: Session, view: V): void } = {},
  ) {}

  watch(session: Session, view: V): void {
    let w = this.byKey.get(view.key);
    if (w === undefined) this.byKey.set(view.key, (w = { view, sessions: new Set() }));
    if (!w.sessions.has(session)) {
      w.sessions.add(session);
      this.on.joined?.(session, view);
    }
    let keys = this.bySession.get(session.id);
    if (keys === undefined) this.bySession.set(session.id, (keys = []));
    const i = keys.indexOf(view.key);
    if (i >= 0) keys.splice(i, 1);
    keys.push(view.key);
    while (keys.length > this.maxPerSession) this.unwatch(session, keys.shift()!, true);
  }

  /** The session is gone: it watches nothing (its topics went with it). */
  forget(session: Session): void {
    const keys = this.bySession.get(session.id);
    if (keys === undefined) return;
    this.bySession.delete(session.id);
    for (const key of keys) this.unwatch(session, key, false);
  }

  get(key: string): Watched<V> | undefined {
    return this.byKey.get(key);
  }

  /** Distinct views watched on this instance. */
  get size(): number {
    return this.byKey.size;
  }

  private unwatch(session: Session, key: string, tell: boolean): void {
    const w = this.byKey.get(key);
    if (w === undefined) return;
    if (w.sessions.delete(session) && tell) this.on.left?.(session, w.view);
    if (w.sessions.size === 0) this.byKey.delete(key);
  }
}
