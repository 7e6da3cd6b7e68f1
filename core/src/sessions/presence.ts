/** The default presence: what this instance knows. A cluster plugin replaces it in the container. */
import type { Presence, PresenceMember } from '../types.js';
import type { Topics } from '../registries/topics.js';
import type { Sessions } from './registry.js';

export class LocalPresence implements Presence {
  constructor(private readonly registry: Topics, private readonly sessions: Sessions) {}

  async count(topic: string): Promise<number> {
    return this.registry.localCount(topic);
  }

  async members(topic: string): Promise<PresenceMember[]> {
    const byUser = new Map<string | null, number>();
    for (const s of this.registry.localMembers(topic)) {
      const key = s.userId ?? null;
      byUser.set(key, (byUser.get(key) ?? 0) + 1);
    }
    return [...byUser].map(([userId, connections]) => ({ userId, connections }));
  }

  async topics(): Promise<Record<string, number>> {
    // Room names come from clients: a null-prototype record, so `constructor` or `__proto__` are plain keys.
    const out: Record<string, number> = Object.create(null);
    for (const [topic, n] of this.registry.localTopics()) out[topic] = n;
    return out;
  }

  async connections(): Promise<number> {
    return this.sessions.count();
  }
}
