/**
 * Which sessions of this instance watch which views (snapshot sections, analytics dashboards):
 * a session watches what it last asked for, up to `maxPerSession` views (its oldest dropped
 * first), until it disconnects. Sessions watching the same view share it — one refresh serves
 * them all — and a change finds its views by entity (and section) without scanning every view.
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
  /** Entity → section ('' for none) → keys watched. */
  private readonly byPlace = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly maxPerSession: number) {}

  watch(session: Session, view: V): void {
    let w = this.byKey.get(view.key);
    if (w === undefined) {
      this.byKey.set(view.key, (w = { view, sessions: new Set() }));
      let sections = this.byPlace.get(view.entity);
      if (sections === undefined) this.byPlace.set(view.entity, (sections = new Map()));
      let keys = sections.get(view.section ?? '');
      if (keys === undefined) sections.set(view.section ?? '', (keys = new Set()));
      keys.add(view.key);
    }
    w.sessions.add(session);
    let keys = this.bySession.get(session.id);
    if (keys === undefined) this.bySession.set(session.id, (keys = []));
    const i = keys.indexOf(view.key);
    if (i >= 0) keys.splice(i, 1);
    keys.push(view.key);
    while (keys.length > this.maxPerSession) this.unwatch(session, keys.shift()!);
  }

  /** The session is gone: it watches nothing. */
  forget(session: Session): void {
    const keys = this.bySession.get(session.id);
    if (keys === undefined) return;
    this.bySession.delete(session.id);
    for (const key of keys) this.unwatch(session, key);
  }

  /** Watched views of `entity` (in `section`, when given) — a copy: safe while sessions come and go. */
  of(entity: string, section?: string): Array<Watched<V>> {
    const sections = this.byPlace.get(entity);
    if (sections === undefined) return [];
    const out: Array<Watched<V>> = [];
    for (const keys of section === undefined ? sections.values() : [sections.get(section)]) {
      if (keys !== undefined) for (const key of keys) out.push(this.byKey.get(key)!);
    }
    return out;
  }

  /** Every watched view (a copy). */
  all(): Array<Watched<V>> {
    return [...this.byKey.values()];
  }

  get(key: string): Watched<V> | undefined {
    return this.byKey.get(key);
  }

  /** Distinct views watched. */
  get size(): number {
    return this.byKey.size;
  }

  private unwatch(session: Session, key: string): void {
    const w = this.byKey.get(key);
    if (w === undefined) return;
    w.sessions.delete(session);
    if (w.sessions.size > 0) return;
    this.byKey.delete(key);
    const place = w.view.section ?? '';
    const sections = this.byPlace.get(w.view.entity);
    const keys = sections?.get(place);
    keys?.delete(key);
    if (keys !== undefined && keys.size === 0) sections!.delete(place);
    if (sections !== undefined && sections.size === 0) this.byPlace.delete(w.view.entity);
  }
}
