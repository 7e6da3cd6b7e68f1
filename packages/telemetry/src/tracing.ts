/**
 * Tracing: a real tracer exporting over OTLP/HTTP (protobuf by default, JSON on request) when a
 * traces endpoint is configured through the standard OTEL_* variables, otherwise the API's no-op
 * tracer and `enabled: false` — the hot paths then make no span objects at all. The W3C
 * propagator is always installed. With an endpoint, an AsyncLocalStorage context manager makes
 * the active span follow awaits, so a handler's publish carries its trace context to Redis/Kafka
 * and a delivery on another instance is a child of it. Without one there is no context manager
 * (no per-await cost) and no trace context is sent.
 */
import { ROOT_CONTEXT, context, propagation, trace, type Attributes, type Context, type Link, type Span, type SpanKind, type SpanOptions, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  SamplingDecision,
  type Sampler,
  type SamplingResult,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { tracesUrl, type OtelConfig } from './otel-config.js';

export interface Tracing {
  tracer: Tracer;
  /** Spans are exported (an endpoint is set); false: the hot paths skip making spans at all. */
  enabled: boolean;
  /** Where spans go (for the startup log), when enabled. */
  url?: string;
  /**
   * The kernel's root spans (a message; an upgrade or HTTP request without `traceparent`), when
   * exporting: the sampling decision comes first, so an unsampled message costs one random draw.
   */
  roots?: RootSpans;
  /** A tracer whose spans carry `name`/`version` as their instrumentation scope (a plugin's own). */
  tracerFor(name: string, version: string): Tracer;
  shutdown(): Promise<void>;
}

/** The sampler the OTEL_TRACES_SAMPLER names (the specification's default: parent-based always-on). */
export function samplerFor(o: Pick<OtelConfig, 'sampler' | 'samplerArg'>): Sampler {
  const ratio = new TraceIdRatioBasedSampler(o.samplerArg ?? 1);
  switch (o.sampler) {
    case 'always_on': return new AlwaysOnSampler();
    case 'always_off': return new AlwaysOffSampler();
    case 'traceidratio': return ratio;
    case 'parentbased_always_off': return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio': return new ParentBasedSampler({ root: ratio });
    default: return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/**
 * The provider's sampler: the configured one, except for a root span the kernel has already
 * sampled (`RootSpans.start`), which it records without deciding again.
 */
class AdmittingSampler implements Sampler {
  admitNext = false;
  constructor(private readonly inner: Sampler) {}

  shouldSample(ctx: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    if (this.admitNext) {
      this.admitNext = false;
      return { decision: SamplingDecision.RECORD_AND_SAMPLED };
    }
    return this.inner.shouldSample(ctx, traceId, name, kind, attributes, links);
  }

  toString(): string {
    return `Admitting{${this.inner.toString()}}`;
  }
}

/**
 * Root spans of the hot paths. `sample()` draws the configured root decision (a ratio, always,
 * never) before any span, id or attribute object exists; `start()` then makes the span. A random
 * draw per root is what the trace-id ratio amounts to for a root, whose trace id is random too.
 */
export class RootSpans {
  constructor(
    private readonly tracer: Tracer,
    private readonly sampler: AdmittingSampler,
    /** Probability of sampling a root span. */
    readonly ratio: number,
  ) {}

  sample(): boolean {
    return this.ratio >= 1 || (this.ratio > 0 && Math.random() < this.ratio);
  }

  /** A root span that `sample()` chose. */
  start(name: string, options: SpanOptions): Span {
    this.sampler.admitNext = true;
    try {
      return this.tracer.startSpan(name, options, ROOT_CONTEXT);
    } finally {
      this.sampler.admitNext = false;
    }
  }

  /**
   * A server span for a request: the caller's trace when its headers carry `traceparent` (the
   * configured sampler follows it), otherwise a root drawn by `sample()`. `options` is only
   * built for a span that will be made. Undefined: not sampled.
   */
  startServer(name: string, headers: Readonly<Record<string, string>>, options: () => SpanOptions): Span | undefined {
    if (headers.traceparent !== undefined) return this.tracer.startSpan(name, options(), propagation.extract(ROOT_CONTEXT, headers));
    return this.sample() ? this.start(name, options()) : undefined;
  }
}

/** The probability that the configured sampler records a root span. */
export function rootRatio(o: Pick<OtelConfig, 'sampler' | 'samplerArg'>): number {
  switch (o.sampler) {
    case 'always_off':
    case 'parentbased_always_off': return 0;
    case 'traceidratio':
    case 'parentbased_traceidratio': return o.samplerArg ?? 1;
    default: return 1;
  }
}

function exporterFor(o: OtelConfig, url: string): SpanExporter {
  const options = {
    url,
    ...(o.headers ? { headers: { ...o.headers } } : {}),
    ...(o.timeout !== undefined ? { timeoutMillis: o.timeout } : {}),
    ...(o.compression !== undefined ? { compression: o.compression as never } : {}),
  };
  return o.protocol === 'http/json' ? new OTLPJsonTraceExporter(options) : new OTLPProtoTraceExporter(options);
}

export function createTracing(o: OtelConfig, instanceId: string): Tracing {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const url = tracesUrl(o);
  if (url === undefined) {
    return { tracer: trace.getTracer('@actorwire/core'), enabled: false, tracerFor: (name, version) => trace.getTracer(name, version), shutdown: async () => undefined };
  }
  // Once per process (several kernels may share one in tests); false when already set.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const sampler = new AdmittingSampler(samplerFor(o));
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ ...o.resourceAttributes, 'service.name': o.serviceName, 'service.instance.id': instanceId }),
    sampler,
    spanProcessors: [new BatchSpanProcessor(exporterFor(o, url))],
  });
  const tracer = provider.getTracer('@actorwire/core');
  return {
    tracer,
    enabled: true,
    roots: new RootSpans(tracer, sampler, rootRatio(o)),
    url,
    tracerFor: (name, version) => provider.getTracer(name, version),
    shutdown: () => provider.shutdown().catch(() => undefined),
  };
}
