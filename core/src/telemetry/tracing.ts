/**
 * Tracing: a real tracer exporting over OTLP/HTTP (protobuf by default, JSON on request) when a
 * traces endpoint is configured through the standard OTEL_* variables, otherwise the API's no-op
 * tracer and `enabled: false` — the hot paths then make no span objects at all. The W3C
 * propagator is always installed. With an endpoint, an AsyncLocalStorage context manager makes
 * the active span follow awaits, so a handler's publish carries its trace context to Redis/Kafka
 * and a delivery on another instance is a child of it. Without one there is no context manager
 * (no per-await cost) and no trace context is sent.
 */
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { tracesUrl, type OtelConfig } from '../config/otel-env.js';

export interface Tracing {
  tracer: Tracer;
  /** Spans are exported (an endpoint is set); false: the hot paths skip making spans at all. */
  enabled: boolean;
  /** Where spans go (for the startup log), when enabled. */
  url?: string;
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
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ ...o.resourceAttributes, 'service.name': o.serviceName, 'service.instance.id': instanceId }),
    sampler: samplerFor(o),
    spanProcessors: [new BatchSpanProcessor(exporterFor(o, url))],
  });
  return {
    tracer: provider.getTracer('@actorwire/core'),
    enabled: true,
    url,
    tracerFor: (name, version) => provider.getTracer(name, version),
    shutdown: () => provider.shutdown().catch(() => undefined),
  };
}
