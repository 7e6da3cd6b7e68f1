/**
 * The kernel's broker: one instance, nothing to carry elsewhere. Topics with history keep, per
 * topic, a ring of their newest payloads, numbered from 1 in an epoch drawn when the topic's log
 * is created (a restart, or forgetting the topic, starts a new one). Everything is synchronous,
 * so a join reads what was missed and joins in one turn: nothing published can fall between.
 */
import { randomBytes } from 'node:crypto';
import { protocolError, type ActorwireError } from '@actorwire/errors';
import type { Broker, Clock, ComponentHealth, Deliver, Frame, HistoryJoin, HistoryPage, HistoryQuery, KeptHistory, StreamPosition } from '../types.js';

export const newEpoch = (): string => randomBytes(6).toString('hex');

/** A publish larger than its topic's history takes: refused before it is numbered or delivered. */
export function tooLarge(max: number): ActorwireError {
  return protocolError('TOO_LARGE', `a message in a room with history is at most ${max} bytes`);
}

/**
 * One topic's kept messages: offsets `start`…`top`, at most `size` of them and at most the
 * topic's byte budget; the oldest go first (a recovery from before `start` is not covered).
 */
class TopicLog {
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
    const freed = this.top - this.start + 1 >= this.size ? this.dropOldest() : 0;
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

  page(now: number, h: KeptHistory, q: HistoryQuery): HistoryPage {
    const oldest = this.oldest(now, h.ttl);
    const messages: string[] = [];
    const base = { epoch: this.epoch, offset: this.top };
    if (q.reverse) {
      for (let o = this.top; o >= oldest && messages.length < q.limit; o--) messages.push(this.payload(o));
      return { ...base, messages, complete: true };
    }
    let from = oldest;
    if (q.since !== undefined) {
      const { offset, epoch } = q.since;
      if (epoch !== this.epoch || offset > this.top || offset + 1 < oldest) return { ...base, messages, complete: false };
      from = offset + 1;
    }
    for (let o = from; o <= this.top && messages.length < q.limit; o++) messages.push(this.payload(o));
    return { ...base, messages, complete: true };
  }
}

/** The memory broker's limits over every topic (env HISTORY_MAX_BYTES, HISTORY_MAX_ROOMS). */
export interface MemoryHistoryLimits {
  /** Characters kept over every topic: past it the least recently used topics' oldest go. */
  maxBytes: number;
  /** Topics kept at most: the least recently used is forgotten, its epoch with it. */
  maxTopics: number;
}

export class MemoryBroker implements Broker {
  readonly name = 'memory';
  readonly historyStats = { appended: 0, refused: 0, evicted: 0 };
  private deliver: Deliver = () => {};
  private keepsHistory = false;
  /** Insertion order is recency: a use moves a topic to the end, the first is the least recently used. */
  private readonly logs = new Map<string, TopicLog>();
  /** Characters kept over every topic (≤ limits.maxBytes). */
  private bytes = 0;

  constructor(private readonly clock: Clock, private readonly limits: MemoryHistoryLimits) {}

  async start(deliver: Deliver, opts: { history: boolean }): Promise<void> {
    this.deliver = deliver;
    this.keepsHistory = opts.history;
  }

  /** Characters kept now, over every topic. */
  get keptBytes(): number {
    return this.bytes;
  }

  private logOf(topic: string, h: KeptHistory): TopicLog {
    let log = this.logs.get(topic);
    if (log !== undefined) {
      this.logs.delete(topic);
    } else {
      log = new TopicLog(h.size);
      if (this.logs.size >= this.limits.maxTopics) this.forget(this.logs.keys().next().value!);
    }
    this.logs.set(topic, log);
    return log;
  }

  append(topic: string, frame: Frame, h: KeptHistory): void {
    const log = this.logOf(topic, h);
    if (frame.timestamp === undefined) frame.timestamp = Date.now();
    frame.offset = log.top + 1;
    frame.epoch = log.epoch;
    // Serialized once: the size is checked before anything is delivered or numbered.
    const payload = JSON.stringify(frame);
    if (payload.length > h.maxMessageBytes) {
      delete frame.offset;
      delete frame.epoch;
      this.historyStats.refused++;
      throw tooLarge(h.maxMessageBytes);
    }
    this.deliver(topic, payload, frame);
    this.bytes += payload.length - log.append(this.clock.now(), payload);
    this.historyStats.appended++;
    this.trim(log, h);
  }

  /** Within the budgets again: this topic's oldest first, then the least recently used topics' oldest. */
  private trim(log: TopicLog, h: KeptHistory): void {
    while (log.bytes > h.maxBytes && log.start < log.top) this.evict(log);
    if (this.bytes <= this.limits.maxBytes) return;
    for (const [topic, other] of this.logs) {
      // The newest message of the topic just published to is kept: it was delivered with its offset.
      while (this.bytes > this.limits.maxBytes && (other !== log ? other.start <= other.top : other.start < other.top)) this.evict(other);
      if (other !== log && other.start > other.top) this.forget(topic);
      if (this.bytes <= this.limits.maxBytes) return;
    }
  }

  private evict(log: TopicLog): void {
    this.bytes -= log.dropOldest();
    this.historyStats.evicted++;
  }

  /** Forget a topic (its epoch with it: the next use starts a new one). */
  private forget(topic: string): void {
    const log = this.logs.get(topic);
    if (log === undefined) return;
    this.bytes -= log.bytes;
    this.logs.delete(topic);
  }

  async read(topic: string, h: KeptHistory, query: HistoryQuery): Promise<HistoryPage> {
    return this.logOf(topic, h).page(this.clock.now(), h, query);
  }

  join(topic: string, h: KeptHistory, since: StreamPosition | undefined): HistoryJoin {
    return {
      // Called synchronously right before the join: no publish can come between.
      take: () => this.logOf(topic, h).page(this.clock.now(), h, since === undefined ? { reverse: true, limit: 0 } : { since, limit: h.size }),
      release: () => {},
    };
  }

  health(): Record<string, ComponentHealth> {
    if (!this.keepsHistory) return {};
    return { history: { status: 'up', storage: 'memory', rooms: this.logs.size, bytes: this.bytes, maxBytes: this.limits.maxBytes } };
  }

  async stop(): Promise<void> {}
}
