/**
 * Tracing: a real tracer exporting over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set,
 * otherwise the API's no-op tracer (spans cost almost nothing and nothing leaves the process).
 * The W3C propagator is always installed so trace context flows through transports.
 */
import { propagation, trace, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';

export interface Tracing {
  tracer: Tracer;
  shutdown(): Promise<void>;
}

export function createTracing(opts: { endpoint?: string; serviceName: string; instanceId: string }): Tracing {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  if (!opts.endpoint) return { tracer: trace.getTracer('@wirestate/core'), shutdown: async () => undefined };
  const url = opts.endpoint.replace(/\/$/, '') + '/v1/traces';
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': opts.serviceName, 'service.instance.id': opts.instanceId }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  return {
    tracer: provider.getTracer('@wirestate/core'),
    shutdown: () => provider.shutdown().catch(() => undefined),
  };
}
