/**
 * The broker's pub/sub half: publishes of topics without history over Redis pub/sub. Every local publish goes to Redis once (PUBLISH, or
 * SPUBLISH in cluster mode); what arrives is handed to the bus for local fan-out once, unless
 * it is our own (origin instance id). Subscriptions follow local interest: the kernel calls
 * topicActive / topicInactive on the first / last local member, so an instance receives only
 * the traffic of its own rooms and users (or everything, in `pattern` mode).
 *
 * Redis away: local delivery goes on; what would have gone to other instances is dropped and
 * counted (pub/sub is at-most-once), logged at most every few seconds; ioredis reconnects with
 * backoff + jitter and every wanted channel is subscribed again on `ready`.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context as otelContext, propagation, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { BusMessage, ComponentHealth, Deliver, InputGuard, PluginContext } from '@actorwire/core';
import { Cluster } from 'ioredis';
import { Channels } from './channels.js';
import { createClient, describeTarget, type Client } from './connection.js';
import { decode, encode } from './envelope.js';
import { RecentPublishes, frameFromInterop, publishKey, type InteropChannels } from './interop.js';
import type { RedisPubSubOptions } from './options.js';

type Logger = PluginContext['logger'];
const LOG_EVERY_MS = 5000;
/** How long after the last stalled drop /health stays degraded. */
const STALL_HEALTH_MS = 10_000;

export interface TransportStats {
  published: number;
  received: number;
  echoes: number;
  dropped: number;
  malformed: number;
  /** Interop mode: plain payloads turned into frames (from services outside Actorwire). */
  converted: number;
}

export class RedisTransport {
  readonly pub: Client;
  readonly sub: Client;
  readonly stats: TransportStats = { published: 0, received: 0, echoes: 0, dropped: 0, malformed: 0, converted: 0 };
  private readonly wanted = new Set<string>();
  private readonly sharded: boolean;
  private deliver: Deliver | undefined;
  private lastError: string | undefined;
  private lastDropLog = 0;
  private droppedSinceLog = 0;
  private everReady = false;
  private stopped = false;
  /** Publishes Redis has not acknowledged yet (bounded by maxPendingMessages / maxPendingBytes). */
  private pendingMessages = 0;
  private pendingBytes = 0;
  /** When a publish was last dropped because Redis stalled (health is degraded for a while after). */
  private lastStallAt = 0;
  /** Interop mode: own publishes, to drop their echoes (plain JSON carries no origin). */
  private readonly recent: RecentPublishes | undefined;
  /** Interop mode: room messages delivered lately, so a copy on the room's other channel is dropped. */
  private readonly twins: RecentPublishes | undefined;
  /** Called on every (re)connection of the command client, e.g. to resync presence. */
  onReconnect: (() => void) | undefined;

  constructor(
    private readonly o: RedisPubSubOptions,
    private readonly channels: Channels,
    private readonly instanceId: string,
    private readonly logger: Logger,
    private readonly tracer: Tracer,
    /** Every message from Redis passes it first (size, depth, shape): anyone with write access to Redis can publish. */
    private readonly guard: InputGuard,
    /** Interop mode: the Go services' channels and plain JSON payloads. */
    private readonly interop?: InteropChannels,
  ) {
    this.recent = interop ? new RecentPublishes() : undefined;
    // Only a fleet that sends room messages on both channels has twins to drop (every instance of a fleet runs the same mode).
    this.twins = interop && o.interopEvents ? new RecentPublishes() : undefined;
    this.sharded = o.clusterNodes.length > 0;
    this.pub = createClient(o, 'pub');
    this.sub = createClient(o, 'sub');
    this.watch(this.pub, 'pub');
    this.watch(this.sub, 'sub');
    // Nothing a message makes us throw may reach ioredis's emitter: it would end the process.
    const onMessage = guard.shield((channel: string, raw: string) => this.receive(channel, raw), (channel) => ({ channel }));
    if (this.sharded) this.sub.on('smessage', onMessage);
    else {
      this.sub.on('message', onMessage);
      this.sub.on('pmessage', (_pattern: string, channel: string, raw: string) => onMessage(channel, raw));
    }
  }

  private watch(client: Client, role: 'pub' | 'sub'): void {
    client.on('ready', () => {
      if (role === 'sub') void this.resubscribe();
      else this.onReconnect?.();
      if (this.lastError !== undefined || this.everReady) this.logger.info({ role, target: describeTarget(this.o) }, 'Redis connection restored');
      this.everReady = true;
      this.lastError = undefined;
    });
    // Without a listener ioredis would throw on connection errors.
    client.on('error', (err: Error) => {
      const msg = err.message;
      if (msg !== this.lastError) this.logger.warn({ role, target: describeTarget(this.o), err: msg }, 'Redis connection error; local delivery continues, reconnecting with backoff');
      this.lastError = msg;
    });
    client.on('end', () => {
      if (!this.stopped) this.logger.error({ role }, 'Redis connection ended and will not be retried');
    });
  }

  async start(deliver: Deliver): Promise<void> {
    this.deliver = deliver;
    // Never fail startup on Redis: the server runs degraded and reconnects in the background.
    await Promise.all(
      [this.pub, this.sub].map((c, i) =>
        c.connect().catch((err: Error) => {
          this.lastError = err.message;
          this.logger.error({ role: i === 0 ? 'pub' : 'sub', target: describeTarget(this.o), err: err.message }, 'Redis unavailable at startup: running degraded (local delivery only) and retrying');
        }),
      ),
    );
  }

  publish(msg: BusMessage): void {
    const interop = this.interop !== undefined && !this.interop.isServerTopic(msg.topic);
    const channel = interop ? this.interop!.publishChannel(msg.topic) : this.channels.channelOf(msg.topic);
    if (this.pub.status !== 'ready') return this.drop(1);
    // A publish inside a sampled trace (the bus passed its traceparent) gets a producer span, and
    // the envelope carries that span's context: the other instances' consumer spans are its children.
    const span = msg.traceparent !== undefined ? this.producerSpan(msg.traceparent, channel) : undefined;
    if (interop) {
      this.interop!.outbound(msg.topic, msg.payload).forEach(([c, data], i) => {
        this.recent!.add(publishKey(c, data));
        this.send(c, data, i === 0 ? span : undefined);
      });
      return;
    }
    this.send(channel, encode(span === undefined ? msg : { ...msg, traceparent: traceparentOf(span) ?? msg.traceparent }), span);
  }

  /** One PUBLISH, bounded by what may wait for Redis (a stalled Redis must not hold our memory hostage). */
  private send(channel: string, data: string, span: Span | undefined): void {
    // Beyond the bound publishes are dropped and counted.
    const bytes = data.length;
    if (this.pendingMessages >= this.o.maxPendingMessages || this.pendingBytes + bytes > this.o.maxPendingBytes) {
      this.lastStallAt = Date.now();
      span?.setStatus({ code: SpanStatusCode.ERROR, message: 'dropped: Redis is not keeping up' });
      span?.end();
      return this.drop(1);
    }
    this.pendingMessages++;
    this.pendingBytes += bytes;
    const sent = this.sharded ? (this.pub as Cluster).spublish(channel, data) : this.pub.publish(channel, data);
    this.stats.published++;
    sent.then(
      () => { this.pendingMessages--; this.pendingBytes -= bytes; span?.end(); },
      (err: Error) => {
        this.pendingMessages--;
        this.pendingBytes -= bytes;
        this.drop(1);
        span?.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
        span?.end();
      },
    );
  }

  private producerSpan(traceparent: string, channel: string): Span {
    const parent = propagation.extract(ROOT_CONTEXT, { traceparent });
    return this.tracer.startSpan(`publish ${channel}`, {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'redis',
        'messaging.operation.type': 'send',
        'messaging.operation.name': this.sharded ? 'spublish' : 'publish',
        'messaging.destination.name': channel,
      },
    }, parent);
  }

  private drop(n: number): void {
    this.stats.dropped += n;
    this.droppedSinceLog += n;
    const now = Date.now();
    if (now - this.lastDropLog < LOG_EVERY_MS) return;
    this.logger.warn({ dropped: this.droppedSinceLog, total: this.stats.dropped }, 'Redis unavailable: messages were delivered locally but not to other instances (pub/sub is at-most-once)');
    this.lastDropLog = now;
    this.droppedSinceLog = 0;
  }

  topicActive(topic: string): void {
    if (this.o.mode === 'pattern') return;
    const channels = this.interop ? this.interop.subscribeChannels(topic) : [this.channels.channelOf(topic)];
    for (const c of channels) this.wanted.add(c);
    if (this.sub.status === 'ready') this.command('subscribe', channels);
  }

  topicInactive(topic: string): void {
    if (this.o.mode === 'pattern') return;
    const channels = (this.interop ? this.interop.subscribeChannels(topic) : [this.channels.channelOf(topic)]).filter((c) => this.wanted.delete(c));
    if (this.sub.status === 'ready') this.command('unsubscribe', channels);
  }

  private command(kind: 'subscribe' | 'unsubscribe', channels: string[]): void {
    if (channels.length === 0) return;
    const c = this.sub;
    const p = this.sharded
      ? kind === 'subscribe' ? (c as Cluster).ssubscribe(...channels) : (c as Cluster).sunsubscribe(...channels)
      : kind === 'subscribe' ? c.subscribe(...channels) : c.unsubscribe(...channels);
    // A failure here is a lost connection: `ready` resubscribes everything wanted.
    p.catch((err: Error) => this.logger.debug({ kind, err: err.message }, 'Redis (un)subscribe failed; retried on reconnect'));
  }

  private async resubscribe(): Promise<void> {
    if (this.o.mode === 'pattern') {
      await this.sub.psubscribe(...(this.interop ? this.interop.patterns() : this.channels.patterns())).catch((err: Error) => this.logger.warn({ err: err.message }, 'Redis PSUBSCRIBE failed'));
      return;
    }
    this.command('subscribe', [...this.wanted]);
    if (this.everReady) this.logger.info({ channels: this.wanted.size }, 'Redis subscriptions restored');
  }

  private receive(channel: string, raw: string): void {
    if (this.interop && !this.isServerChannel(channel)) return this.receiveInterop(channel, raw);
    const topic = this.channels.topicOf(channel);
    const env = topic === undefined ? undefined : decode(raw);
    if (topic === undefined || env === undefined) {
      this.stats.malformed++;
      this.guard.refuse('bad_shape', 'not an Actorwire envelope', { channel });
      return;
    }
    if (env.origin === this.instanceId) {
      this.stats.echoes++;
      return;
    }
    // The payload goes to sockets verbatim: it must be what a frame is (a JSON object with a type).
    const frame = this.guard.object(env.payload, { channel });
    if (frame === undefined || typeof frame.type !== 'string') {
      if (frame !== undefined) this.guard.refuse('bad_shape', 'the payload is not a frame (no string type)', { channel });
      this.stats.malformed++;
      return;
    }
    this.stats.received++;
    if (!env.traceparent) return this.deliver?.(topic, env.payload);
    // The delivery span is a child of the publish on the other instance.
    const parent = propagation.extract(ROOT_CONTEXT, { traceparent: env.traceparent });
    const span = this.tracer.startSpan(`process ${channel}`, {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'redis',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': channel,
        'actorwire.topic': topic,
        'actorwire.origin': env.origin,
      },
    }, parent);
    try {
      otelContext.with(trace.setSpan(parent, span), () => this.deliver?.(topic, env.payload));
    } finally {
      span.end();
    }
  }

  /** Interop mode: a server topic's channel, which carries Actorwire envelopes (`InteropChannels.isServerTopic`). */
  private isServerChannel(channel: string): boolean {
    const at = this.interop!.topicOf(channel);
    return at !== undefined && at.kind === 'room' && this.interop!.isServerTopic(at.topic);
  }

  private receiveInterop(channel: string, raw: string): void {
    const at = this.interop!.topicOf(channel);
    if (at === undefined) {
      this.stats.malformed++;
      return;
    }
    if (this.recent!.take(publishKey(channel, raw))) {
      this.stats.echoes++;
      return;
    }
    if (!this.guard.text(raw, { channel })) {
      this.stats.malformed++;
      return;
    }
    const userId = at.kind === 'user' ? channel.slice(this.interop!.names.userPrefix.length) : undefined;
    const payload = frameFromInterop(at.kind, at.topic, userId, raw);
    if (payload !== raw) this.stats.converted++;
    // One message on both of a room's channels (an instance publishing the envelope and the event): once.
    if (this.twins !== undefined && (at.kind === 'room' || at.kind === 'events')) {
      const key = publishKey(at.topic, payload);
      if (this.twins.take(key)) {
        this.stats.echoes++;
        return;
      }
      this.twins.add(key);
    }
    this.stats.received++;
    this.deliver?.(at.topic, payload);
  }

  health(): ComponentHealth {
    const up = this.pub.status === 'ready' && this.sub.status === 'ready';
    const stalled = Date.now() - this.lastStallAt < STALL_HEALTH_MS;
    if (up && stalled) {
      return { status: 'degraded', detail: `Redis ${describeTarget(this.o)} is not keeping up: ${this.pendingMessages} publishes (${this.pendingBytes} bytes) await it, newer ones are dropped (${this.stats.dropped} so far); local delivery goes on` };
    }
    if (up) return { status: 'up' };
    return { status: 'degraded', detail: `Redis ${describeTarget(this.o)} unavailable (pub ${this.pub.status}, sub ${this.sub.status})${this.lastError ? `: ${this.lastError}` : ''}; local delivery only` };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.recent?.stop();
    this.twins?.stop();
    await Promise.all([this.pub, this.sub].map((c) => c.quit().catch(() => c.disconnect())));
  }
}

/** The W3C `traceparent` of a span (what the envelope carries to the other instances), from the installed propagator. */
function traceparentOf(span: Span): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
  return carrier.traceparent;
}
