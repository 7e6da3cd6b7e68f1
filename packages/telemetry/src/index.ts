/**
 * @actorwire/telemetry — what the kernel reports with, kept apart from it: the OpenTelemetry
 * trace pipeline (OTLP/HTTP export, samplers, sampled-first root spans), the kernel's metric
 * families and their Prometheus exposition, cheap histograms read at scrape time, Node runtime
 * metrics, and the logger with its rate limiter.
 */
export { createTracing, samplerFor, rootRatio, RootSpans, type Tracing } from './tracing.js';
export { OTLP_PROTOCOLS, SAMPLERS, tracesUrl, type OtelConfig, type OtlpProtocol, type SamplerName } from './otel-config.js';
export { FastHistogram, FastHistogramFamily, histogramsText } from './fast-histogram.js';
export { RuntimeMetrics } from './runtime-metrics.js';
export { KernelMetrics } from './metrics.js';
export { createLogger } from './logger.js';
export { LogLimiter } from './log-limiter.js';
