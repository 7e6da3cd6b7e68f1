/**
 * History in this process: per room a ring of its newest `size` payloads, numbered from 1 in
 * an epoch drawn when the room's log is created (a restart, or forgetting the room, starts a new
 * one). Everything is synchronous, so a join sends what was missed and joins in one turn: nothing
 * published can fall between. For one instance — several instances need the Redis store.
 */
import { randomBytes } from 'node:crypto';
import type { Bus, Clock, Frame, HistoryJoin, HistoryPage, HistoryQuery, Session, StreamPosition } from '@actorwire/core';
import type { KeptRule } from './options.js';
import { fitsBudget, newStats, sendBudget, tooLarge, type HistoryStore } from './store.js';

export const newEpoch = (): string => randomBytes(6).toString('hex');

/**
 * One room's kept messages: offsets `start`…`top`, at most `size` of them and at most the room's
 * byte budget; the oldest go first (a recovery from before `start` answers `recovered: false`).
 */
class RoomLog {
  readonly epoch = newEpoch();
  top = 0;
  /** Oldest offset still kept (top + 1 when none). */
  start = 1;
  /** Characters of the payloads kept (strings of JSON: bytes for ASCII). */
  bytes = 0;
  private readonly payloads: Array<string | undefined> = [];
  private readonly times: number[] = [];

  constructor(private readonly size: number) {}

  /** Keep `payload` as offset top + 1; returns the characters it freed by pushing out the oldest. */
  append(at: number, payload: string): number {
    let freed = 0;
    if (this.top - this.start + 1 >= this.size) freed += this.dropOldest();
    const i = this.top % this.size;
    this.top++;
    this.payloads[i] = payload;
    this.times[i] = at;
    this.bytes += payload.length;
    return freed;
  }

  /** Forget the oldest kept message; returns its characters (0 when none is kept). */
  dropOldest(): number {
    if (this.start > this.top) return 0;
    const i = (this.start - 1) % this.size;
    const n = this.payloads[i]?.length ?? 0;
    this.payloads[i] = undefined;
    this.start++;
    this.bytes -= n;
    return n;
  }

  /** Oldest offset still kept and not older than `ttl` (top + 1 when none). */
  oldest(now: number, ttl: number): number {
    let o = this.start;
    if (ttl > 0) while (o <= this.top && this.times[(o - 1) % this.size]! < now - ttl) o++;
    return o;
  }

  payload(offset: number): string {
    return this.payloads[(offset - 1) % this.size]!;
  }
}

/** The memory store's byte budgets (characters of kept JSON). */
export interface MemoryBudgets {
  /** Per room: past it the room's oldest messages go. */
  maxRoomBytes: number;
  /** Every room together: past it the least recently used rooms' oldest messages go. */
  maxBytes: number;
}

export class MemoryStore implements HistoryStore {
  readonly kind = 'memory';
  readonly stats = newStats();
  /** Insertion order is recency: a use moves a room to the end, the first is the least recently used. */
  private readonly logs = new Map<string, RoomLog>();
  /** Characters kept over every room (≤ budgets.maxBytes). */
  private bytes = 0;

  constructor(
    private readonly bus: Bus,
    private readonly clock: Clock,
    private readonly maxRooms: number,
    /** The sockets' send-buffer limit (websocket.maxBackpressure): a recovery takes at most half. */
    private readonly maxBackpressure: number,
    private readonly budgets: MemoryBudgets,
    /** Largest message a history room takes (TOO_LARGE beyond). */
    private readonly maxMessageBytes: number,
  ) {}

  /** Characters kept now, over every room. */
  get keptBytes(): number {
    return this.bytes;
  }

  private logOf(topic: string, rule: KeptRule): RoomLog {
    let log = this.logs.get(topic);
    if (log !== undefined) {
      this.logs.delete(topic);
    } else {
      log = new RoomLog(rule.size);
      if (this.logs.size >= this.maxRooms) this.forget(this.logs.keys().next().value!);
    }
    this.logs.set(topic, log);
    return log;
  }

  publish(topic: string, rule: KeptRule, frame: Frame): void {
    const log = this.logOf(topic, rule);
    if (frame.timestamp === undefined) frame.timestamp = Date.now();
    frame.offset = log.top + 1;
    frame.epoch = log.epoch;
    // Serialized once: the size is checked before anything is delivered or numbered.
    const payload = JSON.stringify(frame);
    if (payload.length > this.maxMessageBytes) {
      delete frame.offset;
      delete frame.epoch;
      this.stats.refused++;
      throw tooLarge(this.maxMessageBytes);
    }
    this.bus.publishRaw(topic, payload, frame);
    this.bytes += payload.length - log.append(this.clock.now(), payload);
    this.stats.appended++;
    this.trim(log);
  }

  /** Within the budgets again: this room's oldest first, then the least recently used rooms' oldest. */
  private trim(log: RoomLog): void {
    while (log.bytes > this.budgets.maxRoomBytes && log.start < log.top) this.evict(log);
    if (this.bytes <= this.budgets.maxBytes) return;
    for (const [topic, other] of this.logs) {
      // The newest message of the room just published to is kept: it was delivered with its offset.
      while (this.bytes > this.budgets.maxBytes && (other !== log ? other.start <= other.top : other.start < other.top)) this.evict(other);
      if (other !== log && other.start > other.top) this.forget(topic);
      if (this.bytes <= this.budgets.maxBytes) return;
    }
  }

  private evict(log: RoomLog): void {
    this.bytes -= log.dropOldest();
    this.stats.evicted++;
  }

  /** Forget a room (its epoch with it: the next use starts a new one). */
  private forget(topic: string): void {
    const log = this.logs.get(topic);
    if (log === undefined) return;
    this.bytes -= log.bytes;
    this.logs.delete(topic);
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
    return { status: 'up' as const, storage: 'memory', rooms: this.logs.size, bytes: this.bytes, maxBytes: this.budgets.maxBytes };
  }
}
