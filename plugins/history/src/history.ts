/** The `history` service: rules + the chosen store, as the kernel's TopicHistory contract. */
import { protocolError, type HistoryJoin, type HistoryPage, type HistoryQuery, type Session, type StreamPosition, type TopicHistory } from '@actorwire/core';
import type { HistoryRules } from './rules.js';
import { sendBudget, type HistoryStore } from './store.js';

export class History implements TopicHistory {
  constructor(
    readonly rules: HistoryRules,
    readonly store: HistoryStore,
    /** The sockets' send-buffer limit (websocket.maxBackpressure): a page takes at most half. */
    private readonly maxBackpressure: number,
  ) {}

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

  /**
   * A page for a session: it ends early rather than past the session's send budget (sendBudget;
   * at least one message) — the client asks for the next from the last offset it got.
   */
  async page(session: Session, topic: string, query: HistoryQuery): Promise<HistoryPage> {
    const page = await this.read(topic, query);
    const budget = sendBudget(session, this.maxBackpressure);
    let bytes = 0;
    for (let i = 0; i < page.messages.length; i++) {
      bytes += page.messages[i]!.length;
      if (bytes > budget && i > 0) {
        page.messages.length = i;
        break;
      }
    }
    return page;
  }
}
