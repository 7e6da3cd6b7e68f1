/**
 * Which sessions of this instance view which views: a session views what it last asked for,
 * up to `maxViewsPerSession` views (its oldest dropped first), until it disconnects. Refreshes
 * go to the viewers of the refreshed view only.
 */
import type { Session } from '@actorwire/core';
import type { View } from './view.js';

interface Watched {
  readonly view: View;
  readonly sessions: Set<Session>;
}

export class Viewers {
  private readonly byKey = new Map<string, Watched>();
  /** Session id → its views' keys, oldest first. */
  private readonly bySession = new Map<string, string[]>();
  /** Entity → section → keys watched: a record finds its views without scanning every view. */
  private readonly byPlace = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly maxViewsPerSession: number) {}

  watch(session: Session, view: View): void {
    let w = this.byKey.get(view.key);
    if (w === undefined) {
      this.byKey.set(view.key, (w = { view, sessions: new Set() }));
      let sections = this.byPlace.get(view.entity);
      if (sections === undefined) this.byPlace.set(view.entity, (sections = new Map()));
      let keys = sections.get(view.section);
      if (keys === undefined) sections.set(view.section, (keys = new Set()));
      keys.add(view.key);
    }
    w.sessions.add(session);
    let keys = this.bySession.get(session.id);
    if (keys === undefined) this.bySession.set(session.id, (keys = []));
    const i = keys.indexOf(view.key);
    if (i >= 0) keys.splice(i, 1);
    keys.push(view.key);
    while (keys.length > this.maxViewsPerSession) this.unwatch(session, keys.shift()!);
  }

  /** The session is gone: it views nothing. */
  forget(session: Session): void {
    const keys = this.bySession.get(session.id);
    if (keys === undefined) return;
    this.bySession.delete(session.id);
    for (const key of keys) this.unwatch(session, key);
  }

  /** Views of `entity` (in `section`, when given) that someone views. */
  *views(entity: string, section: string | undefined): IterableIterator<Watched> {
    const sections = this.byPlace.get(entity);
    if (sections === undefined) return;
    const lists = section === undefined ? [...sections.values()] : [sections.get(section)];
    for (const keys of lists) {
      if (keys === undefined) continue;
      for (const key of [...keys]) yield this.byKey.get(key)!;
    }
  }

  /** Every watched view (a copy: safe while sessions come and go). */
  all(): Watched[] {
    return [...this.byKey.values()];
  }

  get(key: string): Watched | undefined {
    return this.byKey.get(key);
  }

  /** Views watched (for health and tests). */
  get size(): number {
    return this.byKey.size;
  }

  private unwatch(session: Session, key: string): void {
    const w = this.byKey.get(key);
    if (w === undefined) return;
    w.sessions.delete(session);
    if (w.sessions.size > 0) return;
    this.byKey.delete(key);
    const sections = this.byPlace.get(w.view.entity);
    const keys = sections?.get(w.view.section);
    keys?.delete(key);
    if (keys !== undefined && keys.size === 0) sections!.delete(w.view.section);
    if (sections !== undefined && sections.size === 0) this.byPlace.delete(w.view.entity);
  }
}
