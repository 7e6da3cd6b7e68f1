/**
 * The broker's history: Redis Streams, shared by every instance on the same Redis (or Cluster).
 * A publish is one script (APPEND): number, keep and publish on the room's history channel, in
 * one atomic step; every instance — the publishing one included — delivers what its channel
 * brings, so each sees a room's messages in offset order. A join subscribes to the channel
 * first, reads what was missed, holds what arrives meanwhile (history-tails.ts), and hands both
 * to the kernel right before the session joins.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context as otelContext, propagation, trace, type Span, type Tracer } from '@opentelemetry/api';
import { randomBytes } from 'node:crypto';
import { protocolError, type ActorwireError, type Clock, type ComponentHealth, type Deliver, type Frame, type HistoryJoin, type HistoryPage, type HistoryQuery, type InputGuard, type KeptHistory, type PluginContext, type StreamPosition } from '@actorwire/core';
import type { Cluster, Redis } from 'ioredis';
import { Interest } from './history-interest.js';
import { APPEND, READ } from './history-scripts.js';
import { Tails } from './history-tails.js';
import type { RedisConnection } from './index.js';

type Logger = PluginContext['logger'];
type Client = Redis | Cluster;
interface Scripts {
  awHistoryAppend(stream: string, meta: string, ...args: Array<string | number>): Promise<number>;
  awHistoryRead(stream: string, meta: string, ...args: Array<string | number>): Promise<Array<string | number>>;
}

/** Joins hold at most this many live messages beyond the room's size before giving up on recovery. */
const TAIL_SLACK = 10_000;
/** How long a join waits for its channel to bring what its read saw. */
const CATCH_UP_MS = 5000;

const unavailable = (err: unknown): Error =>
  protocolError('UNAVAILABLE', `history is unavailable (Redis: ${(err as Error)?.message ?? err}); try again`, { cause: err });

const newEpoch = (): string => randomBytes(6).toString('hex');

function tooLarge(max: number): ActorwireError {
  return protocolError('TOO_LARGE', `a message in a room with history is at most ${max} bytes`);
}

/** The offset the APPEND script writes at the end of every kept payload: `…,"offset":N,"epoch":"E"}`. */
function offsetOf(payload: string): number {
  const i = payload.lastIndexOf(',"offset":');
  return i < 0 ? 0 : Number.parseInt(payload.slice(i + 10), 10) || 0;
}

export class RedisHistory {
  readonly stats = { appended: 0, failed: 0, refused: 0 };
  private readonly cmd: Client & Scripts;
  readonly sub: Client;
  private readonly tails = new Tails();
  private readonly interest: Interest;
  private readonly prefix: string;
  private deliver: Deliver | undefined;
  private started = false;
  private stopped = false;
  /** Join markers awaited on the channels (`~<instance>:<n>`, never JSON, never delivered). */
  private readonly markers = new Map<string, () => void>();
  private readonly markerPrefix = `~${newEpoch()}:`;
  private markerSeq = 0;
  /**
   * The replication id of the Redis the appends go to, learnt on every (re)connection: a room
   * numbered under another one (a Sentinel failover) starts a new epoch (see history-scripts.ts).
   * '' in cluster mode (each shard has its own; not checked there).
   */
  private master: Promise<string> = Promise.resolve('');

  constructor(
    private readonly redis: RedisConnection,
    private readonly clock: Clock,
    private readonly metaTtl: number,
    private readonly logger: Logger,
    private readonly tracer: Tracer,
    /** Appends awaiting Redis at most (characters): a frozen Redis makes history rooms refuse (UNAVAILABLE), not pile up. */
    private readonly maxPendingBytes: number,
    /** What comes back from Redis (channel messages, stream entries) passes it: anyone who can write to Redis can put anything there. */
    private readonly guard: InputGuard,
  ) {
    this.cmd = redis.client as Client & Scripts;
    this.cmd.defineCommand('awHistoryAppend', { numberOfKeys: 2, lua: APPEND });
    this.cmd.defineCommand('awHistoryRead', { numberOfKeys: 2, lua: READ });
    this.prefix = `${redis.keyPrefix}history:{`;
    this.sub = (redis.client as { duplicate(): Client }).duplicate();
    this.interest = new Interest(
      (topic) => this.listen(topic),
      (topic) => void this.unlisten(topic).catch(() => {}),
    );
    // Nothing a channel message makes us throw may reach ioredis's emitter.
    const onMessage = guard.shield((channel: string, payload: string) => this.receive(channel, payload), (channel) => ({ channel }));
    if (redis.cluster) this.sub.on('smessage', onMessage);
    else this.sub.on('message', onMessage);
    this.sub.on('ready', () => this.interest.renew());
    if (!redis.cluster) {
      const learn = () => {
        this.master = (this.cmd as Redis).info('replication').then((text) => /master_replid:([0-9a-f]+)/.exec(text)?.[1] ?? '', () => '');
      };
      this.cmd.on('ready', learn);
      if (this.cmd.status === 'ready') learn();
    }
    this.sub.on('error', (err: Error) => this.logger.debug({ err: err.message }, 'history subscriber connection error'));
  }

  /** Room → its channel; the stream and meta keys add `:s` / `:m` (same hash tag, same slot). */
  channelOf(topic: string): string {
    return `${this.prefix}${topic}}`;
  }

  private topicOf(channel: string): string | undefined {
    return channel.startsWith(this.prefix) && channel.endsWith('}') ? channel.slice(this.prefix.length, -1) : undefined;
  }

  private listen(topic: string): Promise<void> {
    const channel = this.channelOf(topic);
    const p = this.redis.cluster ? (this.sub as Cluster).ssubscribe(channel) : this.sub.subscribe(channel);
    return p.then(() => undefined);
  }

  private async unlisten(topic: string): Promise<void> {
    if (this.sub.status !== 'ready') return;
    const channel = this.channelOf(topic);
    await (this.redis.cluster ? (this.sub as Cluster).sunsubscribe(channel) : this.sub.unsubscribe(channel));
  }

  private receive(channel: string, message: string): void {
    const c = message.charCodeAt(0);
    if (c === 126 /* ~ */) {
      this.markers.get(message)?.();
      return;
    }
    const topic = this.topicOf(channel);
    if (topic === undefined) return;
    if (c === 123 /* { */) return this.fanOut(topic, message);
    // `<traceparent>\n<payload>`: a publish inside a sampled trace; the delivery continues it.
    const nl = message.indexOf('\n');
    if (nl < 0) return;
    const parent = propagation.extract(ROOT_CONTEXT, { traceparent: message.slice(0, nl) });
    const span = this.tracer.startSpan(`process ${channel}`, {
      kind: SpanKind.CONSUMER,
      attributes: { 'messaging.system': 'redis', 'messaging.operation.type': 'process', 'messaging.destination.name': channel, 'actorwire.topic': topic },
    }, parent);
    try {
      otelContext.with(trace.setSpan(parent, span), () => this.fanOut(topic, message.slice(nl + 1)));
    } finally {
      span.end();
    }
  }

  private fanOut(topic: string, payload: string): void {
    // Size and depth (a scan, no parse: this is every history room's delivery path) and the shape of a frame.
    if (!this.guard.text(payload, { topic })) return;
    if (payload.charCodeAt(payload.length - 1) !== 125 /* } */) return this.guard.refuse('bad_shape', 'not a frame', { topic });
    this.tails.feed(topic, payload);
    this.deliver?.(topic, payload);
  }

  /** A producer span for a publish inside a sampled trace (none otherwise: no cost untraced). */
  private producerSpan(channel: string): Span | undefined {
    if (!trace.getSpan(otelContext.active())?.isRecording()) return undefined;
    return this.tracer.startSpan(`publish ${channel}`, {
      kind: SpanKind.PRODUCER,
      attributes: { 'messaging.system': 'redis', 'messaging.operation.type': 'send', 'messaging.operation.name': 'history append', 'messaging.destination.name': channel },
    });
  }

  /** Characters of appends sent and not yet answered. */
  private pendingBytes = 0;
  /** When an append was last refused because Redis did not keep up (health is degraded for 10 s after). */
  private lastStallAt = 0;

  /** The room's epoch and offset outlive its last publish this long: at least as long as its messages. */
  private metaTtlOf(h: KeptHistory): number {
    return Math.max(this.metaTtl, h.ttl);
  }

  append(topic: string, frame: Frame, h: KeptHistory): Promise<void> {
    const channel = this.channelOf(topic);
    if (frame.timestamp === undefined) frame.timestamp = Date.now();
    const json = JSON.stringify(frame);
    if (json.length > h.maxMessageBytes) {
      this.stats.refused++;
      return Promise.reject(tooLarge(h.maxMessageBytes));
    }
    if (this.pendingBytes + json.length > this.maxPendingBytes) {
      this.stats.failed++;
      this.lastStallAt = Date.now();
      return Promise.reject(unavailable(new Error(`${this.pendingBytes} bytes of appends already await Redis`)));
    }
    this.pendingBytes += json.length;
    const span = this.producerSpan(channel);
    const traceparent = span === undefined ? '' : traceparentOf(span);
    return this.master
      .then((master) => this.cmd.awHistoryAppend(`${channel}:s`, `${channel}:m`, json, channel, h.size, h.ttl, this.metaTtlOf(h), newEpoch(), this.clock.now(), this.redis.cluster ? '1' : '0', traceparent, master))
      .then(
        (offset) => {
          this.pendingBytes -= json.length;
          this.stats.appended++;
          span?.setAttribute('actorwire.offset', offset);
          span?.end();
        },
        (err: unknown) => {
          this.pendingBytes -= json.length;
          this.stats.failed++;
          span?.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
          span?.end();
          throw unavailable(err);
        },
      );
  }

  read(topic: string, h: KeptHistory, q: HistoryQuery): Promise<HistoryPage> {
    return this.readPage(topic, h, q, '');
  }

  private async readPage(topic: string, h: KeptHistory, q: HistoryQuery, marker: string): Promise<HistoryPage> {
    const channel = this.channelOf(topic);
    let out: Array<string | number>;
    try {
      out = await this.cmd.awHistoryRead(
        `${channel}:s`, `${channel}:m`,
        q.since === undefined ? '' : q.since.offset, q.since?.epoch ?? '', Math.min(q.limit, h.size), q.reverse ? '1' : '0',
        h.size, h.ttl, this.clock.now(), newEpoch(), this.metaTtlOf(h), channel, marker, this.redis.cluster ? '1' : '0', await this.master,
      );
    } catch (err) {
      throw unavailable(err);
    }
    const messages = out.slice(3) as string[];
    // A stored entry that is not what we append (written by someone else with access to Redis) is
    // not resent: the page is incomplete (recovered: false), never wrong data.
    for (const m of messages) {
      if (typeof m !== 'string' || m.charCodeAt(0) !== 123 || !this.guard.text(m, { topic })) {
        return { epoch: String(out[0]), offset: Number(out[1]), complete: false, messages: [] };
      }
    }
    return { epoch: String(out[0]), offset: Number(out[1]), complete: Number(out[2]) === 1, messages };
  }

  async join(topic: string, h: KeptHistory, since: StreamPosition | undefined): Promise<HistoryJoin> {
    const tail = this.tails.open(topic, h.size + TAIL_SLACK);
    let page: HistoryPage;
    try {
      // Listening first: whatever the read does not see yet, the channel brings into the tail.
      await this.interest.acquire(topic);
    } catch (err) {
      this.tails.close(tail);
      this.interest.release(topic);
      throw unavailable(err);
    }
    // The read and the channel are different connections: what the read saw may still be on its
    // way on the channel. The read publishes a marker after itself; once it arrives, everything
    // up to the read's offset has been delivered here, and anything later is in the tail.
    const marker = `${this.markerPrefix}${++this.markerSeq}`;
    let timer: NodeJS.Timeout | undefined;
    const caughtUp = new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`the room's channel did not catch up within ${CATCH_UP_MS} ms`)), CATCH_UP_MS);
      this.markers.set(marker, resolve);
    });
    caughtUp.catch(() => {});
    try {
      page = await this.readPage(topic, h, since === undefined ? { limit: 0 } : { since, limit: h.size }, marker);
      await caughtUp.catch((err: unknown) => { throw unavailable(err); });
    } catch (err) {
      this.tails.close(tail);
      this.interest.release(topic);
      throw err;
    } finally {
      clearTimeout(timer);
      this.markers.delete(marker);
    }
    let released = false;
    return {
      take: () => {
        // Messages after the read came live into the tail, in offset order.
        const later = tail.payloads.filter((p) => offsetOf(p) > page.offset);
        const offset = later.length > 0 ? offsetOf(later[later.length - 1]!) : page.offset;
        if (since === undefined) return { epoch: page.epoch, offset, messages: [], complete: true };
        if (!page.complete || tail.overflowed) return { epoch: page.epoch, offset, messages: [], complete: false };
        return { epoch: page.epoch, offset, messages: later.length === 0 ? page.messages : page.messages.concat(later), complete: true };
      },
      release: () => {
        if (released) return;
        released = true;
        this.tails.close(tail);
        this.interest.release(topic);
      },
    };
  }

  /** A history room got its first local member / lost its last: listen to its channel, or stop. */
  topicActive(topic: string): void {
    this.interest.acquire(topic).catch(() => {});
  }

  topicInactive(topic: string): void {
    this.interest.release(topic);
  }

  /** Connect the channel subscriber; live messages of history rooms go to `deliver`. */
  async start(deliver: Deliver): Promise<void> {
    this.deliver = deliver;
    this.started = true;
    await this.sub.connect().catch((err: Error) => {
      this.logger.error({ target: this.redis.target, err: err.message }, 'history: Redis unavailable at startup, retrying');
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.started) await this.sub.quit().catch(() => this.sub.disconnect());
    else this.sub.disconnect();
  }

  health(): ComponentHealth {
    const up = this.cmd.status === 'ready' && this.sub.status === 'ready';
    const base = { storage: 'redis', target: this.redis.target, rooms: this.interest.size };
    if (up && Date.now() - this.lastStallAt < 10_000) {
      return { status: 'degraded', detail: `Redis ${this.redis.target} is not keeping up: ${this.pendingBytes} bytes of appends await it, history rooms refuse publishes (UNAVAILABLE)`, ...base };
    }
    if (up) return { status: 'up', ...base };
    return { status: this.stopped ? 'down' : 'degraded', detail: `Redis ${this.redis.target} unavailable (commands ${this.cmd.status}, channel ${this.sub.status}): history rooms refuse publishes`, ...base };
  }
}

/** The W3C `traceparent` of a span, from the installed propagator. */
function traceparentOf(span: Span): string {
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  return carrier.traceparent ?? '';
}
