/** The kernel's OpenTelemetry trace settings (`@actorwire/config` reads them from the standard OTEL_* variables). */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

export const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

export interface OtelConfig {
  /** Base endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`); traces go to `<endpoint>/v1/traces`. */
  endpoint?: string;
  /** Traces endpoint used as is (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), over `endpoint`. */
  tracesEndpoint?: string;
  protocol: OtlpProtocol;
  /** Sent with every export (API keys of hosted collectors). */
  headers?: Record<string, string>;
  /** Export request timeout, ms. */
  timeout?: number;
  compression?: 'gzip' | 'none';
  sampler: SamplerName;
  /** Ratio (0..1) for the traceidratio samplers. */
  samplerArg?: number;
  serviceName: string;
  /** Extra resource attributes (`OTEL_RESOURCE_ATTRIBUTES`); `serviceName` wins over `service.name`. */
  resourceAttributes?: Record<string, string>;
  /** false: no spans are exported whatever the endpoint (`OTEL_SDK_DISABLED`, `OTEL_TRACES_EXPORTER=none`). */
  enabled: boolean;
}

/** Where traces go, or undefined when nothing is exported. */
export function tracesUrl(o: OtelConfig): string | undefined {
  if (!o.enabled) return undefined;
  if (o.tracesEndpoint) return o.tracesEndpoint;
  if (o.endpoint) return o.endpoint.replace(/\/$/, '') + '/v1/traces';
  return undefined;
}
