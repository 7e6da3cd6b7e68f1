/**
 * The standard OpenTelemetry SDK variables that concern traces, read the way the specification
 * says (per-signal values over general ones, `key=value` lists percent-decoded), so an operator's
 * usual collector setup works unchanged. Unsupported values (the gRPC protocol, other exporters)
 * stop startup with the variable's name rather than being silently ignored.
 */
import { KernelError, KernelErrors } from '@actorwire/errors';
import { envDuration, envEnum, envString, envUrl } from './env.js';
import { OTLP_PROTOCOLS, SAMPLERS, type OtelConfig } from '@actorwire/telemetry';

type Env = Record<string, string | undefined>;

function fail(name: string, value: string, expected: string): never {
  throw new KernelError(KernelErrors.CONFIG, `invalid ${name}=${JSON.stringify(value)}: expected ${expected}`, name);
}

/** `k1=v1,k2=v2` with percent-encoded values (W3C Baggage form), into a null-prototype record. */
export function parseOtelPairs(env: Env, name: string): Record<string, string> | undefined {
  const v = env[name];
  if (v === undefined || v.trim() === '') return undefined;
  const out: Record<string, string> = Object.create(null);
  for (const item of v.split(',')) {
    if (item.trim() === '') continue;
    const i = item.indexOf('=');
    if (i <= 0) fail(name, v, 'comma-separated key=value pairs');
    try {
      out[decodeURIComponent(item.slice(0, i).trim())] = decodeURIComponent(item.slice(i + 1).trim());
    } catch {
      fail(name, v, 'comma-separated key=value pairs with valid percent-encoding');
    }
  }
  return out;
}

/** The trace-related OTEL_* variables as a partial kernel `otel` config (undefined: not set). */
export function otelFromEnv(env: Env): Partial<OtelConfig> {
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
    if (env[name] === 'grpc') fail(name, 'grpc', `${OTLP_PROTOCOLS.join(' or ')} (OTLP over gRPC is not supported; collectors accept OTLP/HTTP on port 4318)`);
  }
  const exporter = envString(env, 'OTEL_TRACES_EXPORTER');
  if (exporter !== undefined && exporter !== 'otlp' && exporter !== 'none') fail('OTEL_TRACES_EXPORTER', exporter, 'otlp or none');
  const disabled = envString(env, 'OTEL_SDK_DISABLED');
  const headers = parseOtelPairs(env, 'OTEL_EXPORTER_OTLP_HEADERS');
  const traceHeaders = parseOtelPairs(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS');
  const sampler = envEnum(env, 'OTEL_TRACES_SAMPLER', SAMPLERS);
  const argText = envString(env, 'OTEL_TRACES_SAMPLER_ARG');
  let samplerArg: number | undefined;
  if (argText !== undefined) {
    samplerArg = Number(argText);
    if (!Number.isFinite(samplerArg) || samplerArg < 0 || samplerArg > 1) fail('OTEL_TRACES_SAMPLER_ARG', argText, 'a ratio between 0 and 1');
  }
  const compression = envEnum(env, 'OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', ['gzip', 'none'] as const) ?? envEnum(env, 'OTEL_EXPORTER_OTLP_COMPRESSION', ['gzip', 'none'] as const);
  return {
    endpoint: envUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT'),
    tracesEndpoint: envUrl(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'),
    protocol: envEnum(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', OTLP_PROTOCOLS) ?? envEnum(env, 'OTEL_EXPORTER_OTLP_PROTOCOL', OTLP_PROTOCOLS),
    headers: headers || traceHeaders ? Object.assign(Object.create(null), headers, traceHeaders) : undefined,
    timeout: envDuration(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', { min: 1 }) ?? envDuration(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', { min: 1 }),
    compression,
    sampler,
    samplerArg,
    serviceName: envString(env, 'OTEL_SERVICE_NAME'),
    resourceAttributes: parseOtelPairs(env, 'OTEL_RESOURCE_ATTRIBUTES'),
    enabled: exporter === 'none' || (disabled !== undefined && /^true$/i.test(disabled)) ? false : undefined,
  };
}
