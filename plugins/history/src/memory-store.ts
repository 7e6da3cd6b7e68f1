/**
 * History in this process: per room a ring of its newest `size` payloads, numbered from 1 in
 * an epoch drawn when the room's log is created (a restart, or forgetting the room, starts a new
 * one). Everything is synchronous, so a join sends what was missed and joins in one turn: nothing
 * published can fall between. For one instance — several instances need the Redis store.
 */
import { randomBytes } from 'node:crypto';
import type { Bus, Clock, Frame, HistoryJoin, HistoryPage, HistoryQuery, Session, StreamPosition } from '@actorwire/core';
import type { KeptRule } from './options.js';
import { fitsBudget, newStats, sendBudget, type HistoryStore } from './store.js';

export const newEpoch = (): string => randomBytes(6).toString('hex');

class RoomLog {
  readonly epoch = newEpoch();
  top = 0;
  private readonly payloads: string[] = [];
  private readonly times: number[] = [];

  constructor(private readonly size: number) {}

  append(at: number, payload: string): void {
    const i = this.top % this.size;
    this.top++;
    this.payloads[i] = payload;
    this.times[i] = at;
  }

  /** Oldest offset still kept and not older than `ttl` (top + 1 when none). */
  oldest(now: number, ttl: number): number {
    let o = Math.max(1, this.top - this.size + 1);
    if (ttl > 0) while (o <= this.top && this.times[(o - 1) % this.size]! < now - ttl) o++;
    return o;
  }

  payload(offset: number): string {
    return this.payloads[(offset - 1) % this.size]!;
  }
}

export class MemoryStore implements HistoryStore {
  readonly kind = 'memory';
  readonly stats = newStats();
  /** Insertion order is recency: a use moves a room to the end, the first is the least recently used. */
  private readonly logs = new Map<string, RoomLog>();

  constructor(
    private readonly bus: Bus,
    private readonly clock: Clock,
    private readonly maxRooms: number,
    /** The sockets' send-buffer limit (websocket.maxBackpressure): a recovery takes at most half. */
    private readonly maxBackpressure: number,
  ) {}

  private logOf(topic: string, rule: KeptRule): RoomLog {
    let log = this.logs.get(topic);
    if (log !== undefined) {
      this.logs.delete(topic);
    } else {
      log = new RoomLog(rule.size);
      if (this.logs.size >= this.maxRooms) this.logs.delete(this.logs.keys().next().value!);
    }
    this.logs.set(topic, log);
    return log;
  }

  publish(topic: string, rule: KeptRule, frame: Frame): void {
    const log = this.logOf(topic, rule);
    frame.offset = log.top + 1;
    frame.epoch = log.epoch;
    log.append(this.clock.now(), this.bus.publish(topic, frame));
    this.stats.appended++;
  }

  async read(topic: string, rule: KeptRule, query: HistoryQuery): Promise<HistoryPage> {
    return this.page(this.logOf(topic, rule), rule, query);
  }

  private page(log: RoomLog, rule: KeptRule, q: HistoryQuery): HistoryPage {
    const oldest = log.oldest(this.clock.now(), rule.ttl);
    const messages: string[] = [];
    const base = { epoch: log.epoch, offset: log.top };
    if (q.reverse) {
      for (let o = log.top; o >= oldest && messages.length < q.limit; o--) messages.push(log.payload(o));
      return { ...base, messages, complete: true };
    }
    let from = oldest;
    if (q.since !== undefined) {
      const { offset, epoch } = q.since;
      if (epoch !== log.epoch || offset > log.top || offset + 1 < oldest) return { ...base, messages, complete: false };
      from = offset + 1;
    }
    for (let o = from; o <= log.top && messages.length < q.limit; o++) messages.push(log.payload(o));
    return { ...base, messages, complete: true };
  }

  async join(session: Session, topic: string, rule: KeptRule, since: StreamPosition | undefined): Promise<HistoryJoin> {
    return {
      // Synchronous from the read to the join: no publish can come between.
      commit: () => {
        const log = this.logOf(topic, rule);
        if (since === undefined) return { epoch: log.epoch, offset: log.top };
        const page = this.page(log, rule, { since, limit: rule.size });
        if (!page.complete || !fitsBudget(sendBudget(session, this.maxBackpressure), page.messages)) {
          this.stats.unrecovered++;
          return { epoch: log.epoch, offset: log.top, recovered: false };
        }
        for (const p of page.messages) session.sendRaw(p);
        this.stats.recovered++;
        this.stats.resent += page.messages.length;
        return { epoch: log.epoch, offset: log.top, recovered: true };
      },
      release: () => {},
    };
  }

  health() {
    return { status: 'up' as const, storage: 'memory', rooms: this.logs.size };
  }
}
