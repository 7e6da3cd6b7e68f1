/** What a history storage does; the memory and Redis stores implement it. */
import { protocolError, type ActorwireError, type Frame, type HistoryJoin, type HistoryPage, type HistoryQuery, type Session, type StreamPosition, type TransportHealth } from '@actorwire/core';
import type { KeptRule } from './options.js';

export interface HistoryStats {
  appended: number;
  /** Joins with a position whose missed messages were all sent. */
  recovered: number;
  /** Joins with a position the history no longer covered (`recovered: false`). */
  unrecovered: number;
  /** Messages sent to recovering sessions. */
  resent: number;
  /** Publishes refused because the storage was unavailable. */
  failed: number;
  /** Publishes refused as larger than the history message limit. */
  refused: number;
  /** Messages forgotten before their room's size or age limit, to stay within a byte budget (memory). */
  evicted: number;
}

export interface HistoryStore {
  readonly kind: 'memory' | 'redis';
  readonly stats: HistoryStats;
  /** Number the frame (`offset`, `epoch`), keep it, deliver it. A promise when that waits on storage. */
  publish(topic: string, rule: KeptRule, frame: Frame): void | Promise<void>;
  read(topic: string, rule: KeptRule, query: HistoryQuery): Promise<HistoryPage>;
  join(session: Session, topic: string, rule: KeptRule, since: StreamPosition | undefined): Promise<HistoryJoin>;
  health(): TransportHealth & Record<string, unknown>;
}

export const newStats = (): HistoryStats => ({ appended: 0, recovered: 0, unrecovered: 0, resent: 0, failed: 0, refused: 0, evicted: 0 });

/** A publish larger than a history room takes: refused before it is numbered or delivered. */
export function tooLarge(max: number): ActorwireError {
  return protocolError('TOO_LARGE', `a message in a room with history is at most ${max} bytes`);
}

/** The offset the stores write at the end of every kept payload: `…,"offset":N,"epoch":"E"}`. */
export function offsetOf(payload: string): number {
  const i = payload.lastIndexOf(',"offset":');
  return i < 0 ? 0 : Number.parseInt(payload.slice(i + 10), 10) || 0;
}

/**
 * A recovery or a history page is sent in one go; past the socket's send-buffer limit
 * (`maxBackpressure`) what follows would be dropped — live messages, a pong. So a burst may
 * take half the limit, less what the socket already holds.
 */
export function sendBudget(session: Session, maxBackpressure: number): number {
  return Math.max(0, Math.floor(maxBackpressure / 2) - session.bufferedAmount());
}

/** A recovery is all or nothing: larger than its budget it answers `recovered: false` (the client pages through `history`). */
export function fitsBudget(budget: number, ...lists: string[][]): boolean {
  let bytes = 0;
  for (const list of lists) for (const p of list) bytes += p.length;
  return bytes <= budget;
}
