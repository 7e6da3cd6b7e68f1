/**
 * The Redis broker: what this plugin gives the kernel in place of its in-memory one. Topics
 * without history go over pub/sub (transport.ts); topics with history are appended to Redis
 * Streams and delivered from their history channel (history.ts), so every instance numbers and
 * recovers from one history.
 */
import { protocolError, type Broker, type BusMessage, type ComponentHealth, type Deliver, type Frame, type HistoryJoin, type HistoryPage, type HistoryQuery, type KeptHistory, type StreamPosition } from '@actorwire/core';
import type { RedisHistory } from './history.js';
import type { RedisTransport } from './transport.js';

export class RedisBroker implements Broker {
  readonly name = 'redis';
  private history: RedisHistory | undefined;

  constructor(
    readonly transport: RedisTransport,
    /** Made at start when some topic keeps history: its own subscriber connection otherwise costs nothing. */
    private readonly makeHistory: () => RedisHistory,
  ) {}

  get historyStats(): Readonly<Record<string, number>> | undefined {
    return this.history?.stats;
  }

  async start(deliver: Deliver, opts: { history: boolean }): Promise<void> {
    if (opts.history) this.history = this.makeHistory();
    await Promise.all([this.transport.start(deliver), this.history?.start(deliver)]);
  }

  publish(msg: BusMessage): void {
    this.transport.publish(msg);
  }

  private kept(): RedisHistory {
    if (this.history === undefined) throw protocolError('INTERNAL_ERROR', 'redis broker: history used, but no topic pattern kept history at start');
    return this.history;
  }

  append(topic: string, frame: Frame, h: KeptHistory): Promise<void> {
    return this.kept().append(topic, frame, h);
  }

  read(topic: string, h: KeptHistory, query: HistoryQuery): Promise<HistoryPage> {
    return this.kept().read(topic, h, query);
  }

  join(topic: string, h: KeptHistory, since: StreamPosition | undefined): Promise<HistoryJoin> {
    return this.kept().join(topic, h, since);
  }

  topicActive(topic: string, h: KeptHistory | undefined): void {
    this.transport.topicActive(topic);
    if (h !== undefined) this.history?.topicActive(topic);
  }

  topicInactive(topic: string, h: KeptHistory | undefined): void {
    this.transport.topicInactive(topic);
    if (h !== undefined) this.history?.topicInactive(topic);
  }

  health(): Record<string, ComponentHealth> {
    const out: Record<string, ComponentHealth> = { redis: this.transport.health() };
    if (this.history !== undefined) out.history = this.history.health();
    return out;
  }

  async stop(): Promise<void> {
    await Promise.all([this.transport.stop(), this.history?.stop()]);
  }
}
