/** The `history` service: rules + the chosen store, as the kernel's TopicHistory contract. */
import { protocolError, type HistoryJoin, type HistoryPage, type HistoryQuery, type Session, type StreamPosition, type TopicHistory } from '@actorwire/core';
import type { HistoryRules } from './rules.js';
import type { HistoryStore } from './store.js';

export class History implements TopicHistory {
  constructor(readonly rules: HistoryRules, readonly store: HistoryStore) {}

  keeps(topic: string): boolean {
    return this.rules.ruleOf(topic) !== undefined;
  }

  private ruleFor(topic: string) {
    const rule = this.rules.ruleOf(topic);
    if (rule === undefined) throw protocolError('INVALID_MESSAGE', `room "${topic}" keeps no history`);
    return rule;
  }

  join(session: Session, topic: string, since?: StreamPosition): Promise<HistoryJoin> {
    return this.store.join(session, topic, this.ruleFor(topic), since);
  }

  read(topic: string, query: HistoryQuery): Promise<HistoryPage> {
    return this.store.read(topic, this.ruleFor(topic), query);
  }
}
