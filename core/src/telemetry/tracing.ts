/**
 * Tracing: a real tracer exporting over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set,
 * otherwise the API's no-op tracer (spans cost almost nothing and nothing leaves the process).
 * The W3C propagator is always installed. With an endpoint, an AsyncLocalStorage context
 * manager makes the active span follow awaits, so a handler's publish carries its trace
 * context to Redis/Kafka and a delivery on another instance is a child of it. Without an
 * endpoint there is no context manager (no per-await cost) and no trace context is sent.
 */
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';

export interface Tracing {
  tracer: Tracer;
  /** Spans are exported (an endpoint is set); false: the hot paths skip making spans at all. */
  enabled: boolean;
  shutdown(): Promise<void>;
}

export function createTracing(opts: { endpoint?: string; serviceName: string; instanceId: string }): Tracing {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  if (!opts.endpoint) return { tracer: trace.getTracer('@actorwire/core'), enabled: false, shutdown: async () => undefined };
  // Once per process (several kernels may share one in tests); false when already set.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const url = opts.endpoint.replace(/\/$/, '') + '/v1/traces';
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': opts.serviceName, 'service.instance.id': opts.instanceId }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  return {
    tracer: provider.getTracer('@actorwire/core'),
    enabled: true,
    shutdown: () => provider.shutdown().catch(() => undefined),
  };
}
