/**
 * The bus: serialize once, fan out locally through uWS native topics, hand the same bytes to
 * every transport. Local delivery never waits on a transport (the hot-path rule in core/README.md).
 */
import { propagation, context as otelContext } from '@opentelemetry/api';
import type { TemplatedApp } from 'uWebSockets.js';
import type { Bus, BusMessage, Frame, Transport } from '../types.js';

export interface BusStats {
  onPublished(topic: string, receivers: number): void;
}

export class LocalBus implements Bus {
  private app: TemplatedApp | undefined;
  /** `$` cannot appear in room names, so no client can subscribe to it as a room. */
  readonly broadcastTopic = '$broadcast';

  constructor(
    readonly instanceId: string,
    private readonly transports: () => readonly Transport[],
    private readonly stats: BusStats,
  ) {}

  attach(app: TemplatedApp): void {
    this.app = app;
  }

  publish(topic: string, frame: Frame): string {
    if (frame.timestamp === undefined) frame.timestamp = Date.now();
    const payload = JSON.stringify(frame);
    this.publishRaw(topic, payload);
    return payload;
  }

  publishRaw(topic: string, payload: string): void {
    this.fanOut(topic, payload);
    const ts = this.transports();
    if (ts.length === 0) return;
    const msg: BusMessage = { topic, payload, origin: this.instanceId };
    const carrier: Record<string, string> = {};
    propagation.inject(otelContext.active(), carrier);
    if (carrier.traceparent) msg.traceparent = carrier.traceparent;
    for (const t of ts) {
      try {
        t.publish(msg);
      } catch {
        // A transport must not throw; if one does, local delivery has already happened.
      }
    }
  }

  deliver(msg: BusMessage): void {
    // Never re-deliver our own publishes that came back through a transport.
    if (msg.origin === this.instanceId) return;
    this.fanOut(msg.topic, msg.payload);
  }

  localSubscribers(topic: string): number {
    return this.app ? this.app.numSubscribers(topic) : 0;
  }

  private fanOut(topic: string, payload: string): void {
    const app = this.app;
    if (!app) return;
    const receivers = app.numSubscribers(topic);
    if (receivers === 0) return;
    app.publish(topic, payload, false, false);
    this.stats.onPublished(topic, receivers);
  }
}
