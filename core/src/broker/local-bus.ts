/**
 * The bus: serialize once, fan out locally through uWS native topics, hand the same bytes to
 * the broker. Local delivery never waits on the broker (the hot-path rule in core/README.md).
 */
import { propagation, context as otelContext, trace, type Tracer } from '@opentelemetry/api';
import type { TemplatedApp } from '#uws';
import type { Dialects } from '../registries/dialects.js';
import type { Broker, Bus, BusMessage, Frame } from '../types.js';

export interface BusStats {
  onPublished(topic: string, receivers: number): void;
}

export class LocalBus implements Bus {
  private app: TemplatedApp | undefined;
  /** Server-side listeners by `$` topic (`listen`). */
  private readonly listeners = new Map<string, Set<(payload: string) => void>>();
  /** Where a listener's throw goes; set by the kernel. */
  onListenerError: (err: unknown, topic: string) => void = () => {};
  private brokerStarted = false;
  /** `$` cannot appear in room names, so no client can subscribe to it as a room. */
  readonly broadcastTopic = '$broadcast';

  constructor(
    readonly instanceId: string,
    /** The server's broker (the kernel's, or the one a plugin provides: known once plugins registered). */
    private readonly broker: () => Broker,
    private readonly stats: BusStats,
    /** Sessions of other dialects get their own encoding, once per dialect present (registries/dialects.ts). */
    private readonly dialects?: Dialects,
  ) {}

  /** Set only when spans are exported: then deliveries inside a sampled trace get a span of their own. */
  private tracer: Tracer | undefined;

  traceWith(tracer: Tracer): void {
    this.tracer = tracer;
  }

  attach(app: TemplatedApp): void {
    this.app = app;
  }

  publish(topic: string, frame: Frame): string {
    if (frame.timestamp === undefined) frame.timestamp = Date.now();
    const payload = JSON.stringify(frame);
    this.send(topic, payload, frame);
    return payload;
  }

  publishRaw(topic: string, payload: string, frame?: Frame): void {
    this.send(topic, payload, frame);
  }

  private send(topic: string, payload: string, frame: Frame | undefined): void {
    this.fanOut(topic, payload, frame);
    const broker = this.broker();
    if (broker.publish === undefined) return;
    const msg: BusMessage = { topic, payload, origin: this.instanceId };
    const traceparent = this.traceparent();
    if (traceparent !== undefined) msg.traceparent = traceparent;
    try {
      broker.publish(msg);
    } catch {
      // A broker must not throw; if one does, local delivery has already happened.
    }
  }

  /** The active trace context of a publish, when spans are exported: brokers make their producer span under it. */
  traceparent(): string | undefined {
    if (this.tracer === undefined) return undefined;
    const carrier: Record<string, string> = {};
    propagation.inject(otelContext.active(), carrier);
    return carrier.traceparent;
  }

  listen(topic: string, listener: (payload: string) => void): () => void {
    if (!topic.startsWith('$') || topic === this.broadcastTopic) throw new TypeError(`bus.listen: ${JSON.stringify(topic)} is not a server topic (it starts with $ and is not ${this.broadcastTopic})`);
    let set = this.listeners.get(topic);
    if (set === undefined) {
      this.listeners.set(topic, (set = new Set()));
      if (this.brokerStarted) this.broker().topicActive?.(topic, undefined);
    }
    set.add(listener);
    return () => {
      if (!set.delete(listener) || set.size > 0 || this.listeners.get(topic) !== set) return;
      this.listeners.delete(topic);
      if (this.brokerStarted) this.broker().topicInactive?.(topic, undefined);
    };
  }

  /** The broker runs: it carries the topics listened to so far (and later ones as they come). */
  brokerRunning(): void {
    this.brokerStarted = true;
    const broker = this.broker();
    broker.topicActive?.(this.broadcastTopic, undefined);
    for (const topic of this.listeners.keys()) broker.topicActive?.(topic, undefined);
  }

  localSubscribers(topic: string): number {
    const app = this.app;
    if (!app) return 0;
    return app.numSubscribers(topic) + (this.dialects !== undefined && this.dialects.size > 0 ? this.dialects.subscribers(app, topic) : 0);
  }

  /** Local fan-out only: what the broker delivers (`Deliver`). */
  fanOut(topic: string, payload: string, frame?: Frame): void {
    if (this.listeners.size !== 0 && topic.charCodeAt(0) === 36 /* $ */) this.notify(topic, payload);
    const app = this.app;
    if (!app) return;
    if (this.tracer !== undefined && trace.getSpan(otelContext.active())?.isRecording()) return this.tracedFanOut(app, topic, payload, frame);
    this.deliverLocally(app, topic, payload, frame);
  }

  private notify(topic: string, payload: string): void {
    const set = this.listeners.get(topic);
    if (set === undefined) return;
    for (const listener of set) {
      try {
        listener(payload);
      } catch (err) {
        this.onListenerError(err, topic);
      }
    }
  }

  /** A fan-out inside a sampled trace: its own span, with how many sockets it reached. */
  private tracedFanOut(app: TemplatedApp, topic: string, payload: string, frame: Frame | undefined): void {
    const span = this.tracer!.startSpan(`deliver ${topic}`, { attributes: { 'actorwire.topic': topic, 'actorwire.instance': this.instanceId } });
    try {
      span.setAttribute('actorwire.receivers', this.deliverLocally(app, topic, payload, frame));
    } finally {
      span.end();
    }
  }

  private deliverLocally(app: TemplatedApp, topic: string, payload: string, frame: Frame | undefined): number {
    let receivers = app.numSubscribers(topic);
    if (receivers > 0) app.publish(topic, payload, false, false);
    if (this.dialects !== undefined && this.dialects.size > 0) receivers += this.dialects.fanOut(app, topic, payload, frame);
    if (receivers > 0) this.stats.onPublished(topic, receivers);
    return receivers;
  }
}
