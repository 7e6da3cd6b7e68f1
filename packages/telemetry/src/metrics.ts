/**
 * Metrics through the OpenTelemetry SDK, read by the Prometheus exporter on `GET /metrics`
 * (no separate server). Counters on hot paths are plain numbers, read by observable
 * instruments at scrape time, so a delivery costs an addition, not an SDK call.
 */
import type { Meter } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { RuntimeMetrics } from './runtime-metrics.js';
import { FastHistogramFamily, histogramsText, type FastHistogram } from './fast-histogram.js';

/** Seconds: 10 µs … 5 s (most handlers answer in tens of µs; a REST-backed one in ms). */
const HANDLING_BUCKETS = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Sockets reached by one fan-out. */
const FANOUT_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000];

export class KernelMetrics {
  readonly meter: Meter;
  private readonly exporter: PrometheusExporter;
  private readonly provider: MeterProvider;
  private readonly serializer = new PrometheusSerializer();
  /** Inbound messages by type. */
  readonly received = new Map<string, number>();
  /** Error frames by code. */
  readonly errors = new Map<string, number>();
  /** Frames sent directly to one session. */
  direct = 0;
  /** Frames delivered through topic fan-out (receivers counted). */
  delivered = 0;
  /** Publishes on the bus. */
  published = 0;
  upgradesRejected = 0;
  /** Inputs from outside a session refused by a guard (`ctx.inputs`), by `source\u0000reason`. */
  readonly inputsRefused = new Map<string, number>();
  /** Inbound message handling time (frame received → handler done), by type. */
  readonly handling = new FastHistogramFamily('actorwire_message_handling_seconds', 'Inbound message handling time, from the frame to the end of its handler, by type', 'type', HANDLING_BUCKETS);
  /** Local sockets reached per fan-out (publishes that reached none are not observed). */
  private readonly fanoutFamily = new FastHistogramFamily('actorwire_fanout_receivers', 'Local sockets reached by one fan-out of a publish', undefined, FANOUT_BUCKETS);
  readonly fanout: FastHistogram = this.fanoutFamily.of();

  constructor(serviceName: string, instanceId: string, gauges: { connections(): number; topics(): number; users(): number }) {
    this.exporter = new PrometheusExporter({ preventServerStart: true, prefix: '' });
    this.provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': serviceName, 'service.instance.id': instanceId }),
      readers: [this.exporter],
    });
    this.meter = this.provider.getMeter('@actorwire/core');
    const m = this.meter;
    m.createObservableGauge('actorwire_connections', { description: 'Open WebSocket sessions' }).addCallback((r) => r.observe(gauges.connections()));
    m.createObservableGauge('actorwire_rooms', { description: 'Topics (rooms) with local subscribers' }).addCallback((r) => r.observe(gauges.topics()));
    m.createObservableGauge('actorwire_users', { description: 'Distinct authenticated users connected' }).addCallback((r) => r.observe(gauges.users()));
    m.createObservableCounter('actorwire_messages_received', { description: 'Inbound messages accepted, by type' }).addCallback((r) => {
      for (const [type, n] of this.received) r.observe(n, { type });
    });
    m.createObservableCounter('actorwire_messages_sent', { description: 'Frames sent to sessions, direct or through fan-out' }).addCallback((r) => {
      r.observe(this.direct, { path: 'direct' });
      r.observe(this.delivered, { path: 'fanout' });
    });
    m.createObservableCounter('actorwire_publishes', { description: 'Publishes on the bus' }).addCallback((r) => r.observe(this.published));
    m.createObservableCounter('actorwire_errors', { description: 'Error frames sent, by code' }).addCallback((r) => {
      for (const [code, n] of this.errors) r.observe(n, { code });
    });
    m.createObservableCounter('actorwire_inputs_refused', { description: 'Inputs from outside a session (Redis, Kafka, upstream and HTTP bodies) refused by the input guard, by source and reason' }).addCallback((r) => {
      for (const [key, n] of this.inputsRefused) {
        const i = key.indexOf('\u0000');
        r.observe(n, { source: key.slice(0, i), reason: key.slice(i + 1) });
      }
    });
    m.createObservableCounter('actorwire_upgrades_rejected', { description: 'Upgrade requests answered with an HTTP error' }).addCallback((r) => r.observe(this.upgradesRejected));
    this.runtime = new RuntimeMetrics(this.provider.getMeter('@actorwire/core/runtime'));
  }

  private readonly runtime: RuntimeMetrics;

  /** A meter whose instruments carry `name` as their instrumentation scope (a plugin's own). */
  meterFor(name: string, version: string): Meter {
    return this.provider.getMeter(name, version);
  }

  countReceived(type: string): void {
    this.received.set(type, (this.received.get(type) ?? 0) + 1);
  }

  /** The handling-time histogram of a message type (looked up once per compiled type by the pipeline). */
  handlingOf(type: string): FastHistogram {
    return this.handling.of(type);
  }

  countInputRefused(source: string, reason: string): void {
    const key = `${source}\u0000${reason}`;
    this.inputsRefused.set(key, (this.inputsRefused.get(key) ?? 0) + 1);
  }

  countError(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** Prometheus text exposition of every instrument, kernel and plugins alike. */
  async scrape(): Promise<string> {
    const { resourceMetrics } = await this.exporter.collect();
    const sdk = this.serializer.serialize(resourceMetrics);
    // Same scope labels as the kernel's SDK instruments (its meter has no version).
    const own = histogramsText([this.handling, this.fanoutFamily], { name: '@actorwire/core' });
    return own === '' ? sdk : `${sdk}${sdk.endsWith('\n') || sdk === '' ? '' : '\n'}${own}`;
  }

  async shutdown(): Promise<void> {
    this.runtime.stop();
    await this.provider.shutdown().catch(() => undefined);
  }
}
