/** The standard OTEL_* variables for traces: read as the specification says, refused when unsupported. */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@actorwire/config';
import { KernelError } from '@actorwire/core';
import { createTracing, samplerFor, tracesUrl } from '../src/index.js';
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';

t.test('defaults: protobuf, parent-based always-on, nothing exported without an endpoint', async (t) => {
  const o = loadConfig({ env: {} }).otel;
  t.equal(o.protocol, 'http/protobuf');
  t.equal(o.sampler, 'parentbased_always_on');
  t.equal(tracesUrl(o), undefined);
  const tracing = createTracing(o, 'i1');
  t.equal(tracing.enabled, false);
});

t.test('endpoints: the per-signal one is used as is, the general one gets /v1/traces', async (t) => {
  t.equal(tracesUrl(loadConfig({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' } }).otel), 'http://collector:4318/v1/traces');
  t.equal(
    tracesUrl(loadConfig({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/ingest' } }).otel),
    'https://traces.example/ingest',
  );
  for (const env of [{ OTEL_SDK_DISABLED: 'true' }, { OTEL_TRACES_EXPORTER: 'none' }]) {
    t.equal(tracesUrl(loadConfig({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', ...env } }).otel), undefined, `${Object.keys(env)[0]} turns export off`);
  }
});

t.test('headers and resource attributes: percent-decoded pairs, per-signal over general', async (t) => {
  const o = loadConfig({
    env: {
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=general,x-team=realtime%20ops',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'api-key=traces%3Dkey',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.namespace=chat',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
    },
  }).otel;
  t.same({ ...o.headers }, { 'api-key': 'traces=key', 'x-team': 'realtime ops' });
  t.same({ ...o.resourceAttributes }, { 'deployment.environment': 'prod', 'service.namespace': 'chat' });
  t.equal(o.protocol, 'http/protobuf', 'the per-signal protocol wins');
  t.equal(o.timeout, 2500);
});

t.test('unsupported or malformed values stop startup naming the variable', async (t) => {
  const bad: Array<[Record<string, string>, string]> = [
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'OTEL_EXPORTER_OTLP_PROTOCOL'],
    [{ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'],
    [{ OTEL_TRACES_EXPORTER: 'zipkin' }, 'OTEL_TRACES_EXPORTER'],
    [{ OTEL_TRACES_SAMPLER: 'sometimes' }, 'OTEL_TRACES_SAMPLER'],
    [{ OTEL_TRACES_SAMPLER_ARG: '1.5' }, 'OTEL_TRACES_SAMPLER_ARG'],
    [{ OTEL_EXPORTER_OTLP_HEADERS: 'novalue' }, 'OTEL_EXPORTER_OTLP_HEADERS'],
    [{ OTEL_RESOURCE_ATTRIBUTES: 'a=%E0%A4%A' }, 'OTEL_RESOURCE_ATTRIBUTES'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' }, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'],
  ];
  for (const [env, name] of bad) {
    try {
      loadConfig({ env });
      t.fail(`accepted ${JSON.stringify(env)}`);
    } catch (err) {
      t.ok(err instanceof KernelError, `${name}: a KernelError`);
      t.equal((err as KernelError).subject, name, `names ${name}`);
    }
  }
});

t.test('samplers: ratio by trace id, parent-based ones follow the caller', async (t) => {
  const decide = (s: ReturnType<typeof samplerFor>, traceId: string, parentSampled?: boolean) => {
    const ctx = parentSampled === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, { traceId, spanId: '1'.repeat(16), traceFlags: parentSampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true });
    return s.shouldSample(ctx, traceId, 'x', SpanKind.SERVER, {}, []).decision;
  };
  const ids = Array.from({ length: 2000 }, () => randomBytes(16).toString('hex'));
  const sampled = ids.filter((id) => decide(samplerFor({ sampler: 'traceidratio', samplerArg: 0.1 }), id) === 2).length;
  t.ok(sampled > 120 && sampled < 280, `about 10 % of 2,000 random traces sampled (${sampled})`);
  const low = ids.find((id) => decide(samplerFor({ sampler: 'traceidratio', samplerArg: 0.01 }), id) === 2)!;
  const high = ids.find((id) => decide(samplerFor({ sampler: 'traceidratio', samplerArg: 0.01 }), id) === 0)!;
  t.ok(low && high, 'a 1 % ratio samples some and not others');
  const parentRatio = samplerFor({ sampler: 'parentbased_traceidratio', samplerArg: 0.01 });
  t.equal(decide(parentRatio, high, true), 2, 'a sampled caller is followed whatever the ratio');
  t.equal(decide(parentRatio, low, false), 0, 'an unsampled caller is followed too');
  t.equal(decide(samplerFor({ sampler: 'always_off' }), low), 0);
  t.equal(decide(samplerFor({ sampler: 'parentbased_always_on' }), high), 2);
});

t.test('root spans: the kernel samples first, then the span it starts is recorded', async (t) => {
  const base = loadConfig({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' } }).otel;
  const tracing = createTracing(base, 'i2');
  t.teardown(() => tracing.shutdown());
  const roots = tracing.roots!;
  t.equal(roots.ratio, 0.1);
  let chosen = 0;
  for (let i = 0; i < 5000; i++) if (roots.sample()) chosen++;
  t.ok(chosen > 380 && chosen < 620, `about 10 % of 5,000 roots chosen (${chosen})`);
  const span = roots.start('ws.message publish', {});
  t.ok(span.isRecording(), 'a chosen root is recorded (the ratio is not applied twice)');
  t.equal(span.spanContext().traceFlags & TraceFlags.SAMPLED, TraceFlags.SAMPLED);
  span.end();
  // Spans not started through roots still follow the configured sampler.
  let recorded = 0;
  for (let i = 0; i < 2000; i++) {
    const s = tracing.tracer.startSpan('other', {}, ROOT_CONTEXT);
    if (s.isRecording()) recorded++;
    s.end();
  }
  t.ok(recorded > 120 && recorded < 290, `other roots sampled by trace id at 10 % (${recorded})`);
  for (const [sampler, ratio] of [['always_off', 0], ['parentbased_always_off', 0], ['always_on', 1], ['traceidratio', 0.25]] as const) {
    const tr = createTracing({ ...base, sampler, samplerArg: sampler === 'traceidratio' ? 0.25 : undefined }, 'i3');
    t.equal(tr.roots!.ratio, ratio, `${sampler}: roots sampled at ${ratio}`);
    await tr.shutdown();
  }
});
