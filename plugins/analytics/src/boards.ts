/**
 * Which sessions of this instance watch which dashboard: one per session (its current scope,
 * entity and query), until it disconnects or `fetch`es another query. Sessions with the same
 * dashboard are grouped: a re-query serves them all.
 */
import type { Session } from '@actorwire/core';
import type { Dashboard } from './dashboard.js';

export interface Watched {
  readonly dashboard: Dashboard;
  readonly sessions: Set<Session>;
}

export class Boards {
  private readonly byKey = new Map<string, Watched>();
  private readonly bySession = new Map<string, string>();
  /** Entity → keys watched: an event finds its dashboards without scanning all. */
  private readonly byEntity = new Map<string, Set<string>>();

  watch(session: Session, dashboard: Dashboard): void {
    const before = this.bySession.get(session.id);
    if (before === dashboard.key) return;
    if (before !== undefined) this.unwatch(session, before);
    let w = this.byKey.get(dashboard.key);
    if (w === undefined) {
      this.byKey.set(dashboard.key, (w = { dashboard, sessions: new Set() }));
      let keys = this.byEntity.get(dashboard.entity);
      if (keys === undefined) this.byEntity.set(dashboard.entity, (keys = new Set()));
      keys.add(dashboard.key);
    }
    w.sessions.add(session);
    this.bySession.set(session.id, dashboard.key);
  }

  forget(session: Session): void {
    const key = this.bySession.get(session.id);
    if (key === undefined) return;
    this.bySession.delete(session.id);
    this.unwatch(session, key);
  }

  /** Watched dashboards of `entity` (a copy: safe while sessions come and go). */
  ofEntity(entity: string): Watched[] {
    const keys = this.byEntity.get(entity);
    return keys === undefined ? [] : [...keys].map((k) => this.byKey.get(k)!);
  }

  /** Every watched dashboard (a copy). */
  all(): Watched[] {
    return [...this.byKey.values()];
  }

  get(key: string): Watched | undefined {
    return this.byKey.get(key);
  }

  /** Distinct dashboards watched. */
  get size(): number {
    return this.byKey.size;
  }

  private unwatch(session: Session, key: string): void {
    const w = this.byKey.get(key);
    if (w === undefined) return;
    w.sessions.delete(session);
    if (w.sessions.size > 0) return;
    this.byKey.delete(key);
    const keys = this.byEntity.get(w.dashboard.entity);
    keys?.delete(key);
    if (keys !== undefined && keys.size === 0) this.byEntity.delete(w.dashboard.entity);
  }
}
