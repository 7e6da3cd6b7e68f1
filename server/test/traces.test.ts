/**
 * Traces end to end, received over OTLP/HTTP protobuf by a real receiver that decodes them with
 * the official .proto files (OTLP_PROTO_DIR): two instances sharing real Redis (REDIS_URL), one
 * consuming a real Kafka broker (KAFKA_BROKERS). Asserted is the parent/child structure:
 *   client publish on A → Redis producer (A) → Redis consumer (B) → delivery (B);
 *   a Kafka producer's span → consumer span (B) → delivery (B);
 *   POST /api/notify with a traceparent → route span (A) → Redis → delivery to the user on B;
 *   a publish to a room with history (Redis Streams): append + producer (A) → consumer (B) → delivery (B);
 * and that every message span links to its session's upgrade span.
 */
// Export batches every 100 ms instead of 5 s (the standard variable the SDK's batch processor reads).
process.env.OTEL_BSP_SCHEDULE_DELAY = '100';

import t from 'tap';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { Kafka, logLevel } from 'kafkajs';
import { ROOT_CONTEXT, SpanKind, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { startTestServer, until, type TestServer } from '@actorwire/testing';
import authPlugin from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import redisPubSub from '@actorwire/plugin-redis-pubsub';
import kafkaPlugin from '@actorwire/plugin-kafka';
import history from '@actorwire/plugin-history';
import { otlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const SECRET = 'traces-test-secret-0123456789-abcdefghijklmnop';
const unique = (name: string) => `${name}-${randomBytes(4).toString('hex')}`;
const jwt = (claims: Record<string, unknown>) =>
  new SignJWT({ exp: Math.floor(Date.now() / 1000) + 600, ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));

const receiver: OtlpReceiver = await otlpReceiver();
t.teardown(() => receiver.close());
const prefix = `${unique('tr')}:`;
const kafkaTopic = unique('orders');
const kafka = new Kafka({ clientId: 'traces-test', brokers: BROKERS, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ waitForLeaders: true, topics: [{ topic: kafkaTopic, numPartitions: 1, replicationFactor: 1 }] });
await admin.disconnect();

function instance(id: string, withKafka: boolean): Promise<TestServer> {
  return startTestServer({
    config: {
      instanceId: id,
      otel: { endpoint: receiver.endpoint, serviceName: 'actorwire-traces-test', headers: { 'x-collector-key': 'k-123' } },
    },
    plugins: [
      [authPlugin, { secret: SECRET }],
      rooms,
      [redisPubSub, { url: REDIS_URL, keyPrefix: prefix, retryBase: 50, retryMax: 300 }],
      [history, { rooms: [{ pattern: 'kept-*', size: 10 }] }],
      ...(withKafka
        ? [[kafkaPlugin, { brokers: BROKERS, groupId: unique('g'), fromBeginning: true, entityTopics: [`orders:${kafkaTopic}`], userTemplate: '{value.user_id}' }] as const]
        : []),
    ] as never,
  });
}

const a = await instance(`A-${randomBytes(3).toString('hex')}`, false);
const b = await instance(`B-${randomBytes(3).toString('hex')}`, true);
t.teardown(() => Promise.all([a.stop(), b.stop()]));
const instA = a.kernel.instanceId;
const instB = b.kernel.instanceId;

const childOf = (parent: ReceivedSpan) => (s: ReceivedSpan) => s.traceId === parent.traceId && s.parentSpanId === parent.spanId;

t.test('client publish on A → Redis → delivery on B, one trace; the message span links to its session', async (t) => {
  const alice = await a.connect(`/ws?token=${await jwt({ sub: 'alice' })}`);
  const bob = await b.connect(`/ws?token=${await jwt({ sub: 'bob' })}`);
  const room = unique('room');
  await alice.request({ type: 'subscribe', room });
  await bob.request({ type: 'subscribe', room });
  // B's Redis SUBSCRIBE is asynchronous: publish until bob receives one.
  let got: any;
  for (let n = 0; got === undefined && n < 40; n++) {
    alice.send({ type: 'publish', room, data: { n } });
    got = await bob.next((f) => f.type === 'message' && f.room === room, 250).catch(() => undefined);
  }
  t.ok(got, 'bob on B received alice\'s message from A');

  const consumer = await receiver.waitFor((s) => s.instance === instB && s.kind === 'SPAN_KIND_CONSUMER' && s.attributes['messaging.system'] === 'redis' && s.attributes['actorwire.topic'] !== undefined && String(s.attributes['actorwire.topic']).includes(room), 'Redis consumer on B');
  const deliver = await receiver.waitFor(childOf(consumer), 'delivery under the Redis consumer on B');
  t.match(deliver.name, /^deliver /);
  t.equal(deliver.instance, instB);
  t.equal(deliver.attributes['actorwire.receivers'], 1, 'delivered to bob\'s socket');

  const producer = await receiver.waitFor((s) => s.spanId === consumer.parentSpanId, 'the consumer\'s parent');
  t.equal(producer.kind, 'SPAN_KIND_PRODUCER');
  t.equal(producer.instance, instA);
  t.equal(producer.attributes['messaging.system'], 'redis');
  t.equal(producer.attributes['messaging.destination.name'], consumer.attributes['messaging.destination.name'], 'same channel');
  t.match(producer.name, /^publish /);

  const message = await receiver.waitFor((s) => s.spanId === producer.parentSpanId, 'the producer\'s parent');
  t.equal(message.name, 'ws.message publish');
  t.equal(message.kind, 'SPAN_KIND_SERVER');
  t.equal(message.instance, instA);
  t.equal(message.parentSpanId, '', 'a message is the root of its trace');
  t.equal(message.attributes['enduser.id'], 'alice');
  // A's own delivery (to alice) is a child of the message span too.
  const localDeliver = await receiver.waitFor((s) => childOf(message)(s) && s.name.startsWith('deliver '), 'A\'s local delivery');
  t.equal(localDeliver.attributes['actorwire.receivers'], 1);

  const upgrade = await receiver.waitFor((s) => s.instance === instA && s.name === 'GET /ws' && s.attributes['enduser.id'] === 'alice', 'alice\'s upgrade span');
  t.equal(upgrade.kind, 'SPAN_KIND_SERVER');
  t.equal(upgrade.attributes['http.response.status_code'], 101);
  t.equal(upgrade.attributes['http.request.method'], 'GET');
  t.equal(upgrade.attributes['http.route'], '/ws');
  t.same(message.links.map((l) => [l.traceId, l.spanId]), [[upgrade.traceId, upgrade.spanId]], 'the message span links to its session\'s upgrade');

  t.same(receiver.refused, [], 'every export was OTLP protobuf on /v1/traces');
  t.equal(receiver.lastHeaders['x-collector-key'], 'k-123', 'configured export headers reach the collector');
});

t.test('a publish to a room with history: the append is the producer span, the other instance\'s delivery its consumer', async (t) => {
  const alice = await a.connect(`/ws?token=${await jwt({ sub: 'alice' })}`);
  const bob = await b.connect(`/ws?token=${await jwt({ sub: 'bob' })}`);
  const room = unique('kept');
  await alice.request({ type: 'subscribe', room });
  await bob.request({ type: 'subscribe', room });
  alice.send({ type: 'publish', room, data: 'kept' });
  const got = await bob.next((f) => f.type === 'message' && f.room === room);
  t.equal(got.offset, 1, 'numbered by the history');

  const consumer = await receiver.waitFor((s) => s.instance === instB && s.kind === 'SPAN_KIND_CONSUMER' && s.attributes['actorwire.topic'] === room, 'history consumer on B');
  t.match(String(consumer.attributes['messaging.destination.name']), /history:\{kept-/, 'the room\'s history channel');
  const deliver = await receiver.waitFor(childOf(consumer), 'delivery under the consumer on B');
  t.equal(deliver.attributes['actorwire.receivers'], 1, 'to bob');
  const producer = await receiver.waitFor((s) => s.spanId === consumer.parentSpanId, 'the consumer\'s parent');
  t.equal(producer.kind, 'SPAN_KIND_PRODUCER');
  t.equal(producer.instance, instA);
  t.equal(producer.attributes['messaging.operation.name'], 'history append');
  t.equal(producer.attributes['actorwire.offset'], 1);
  const message = await receiver.waitFor((s) => s.spanId === producer.parentSpanId, 'the producer\'s parent');
  t.equal(message.name, 'ws.message publish');
  // A's own delivery comes back through the channel too: a consumer span on A, same trace.
  const own = await receiver.waitFor((s) => s.instance === instA && s.kind === 'SPAN_KIND_CONSUMER' && s.parentSpanId === producer.spanId, 'the delivery on A');
  t.equal(own.traceId, message.traceId);
});

t.test('a Kafka record → delivery: the trace starts at the producer\'s span', async (t) => {
  const carol = await b.connect(`/ws?token=${await jwt({ sub: 'carol' })}`);
  await until(async () => {
    const body = (await (await fetch(`${b.httpBase}/health`, { headers: { connection: 'close' } })).json()) as { components: { kafka: { state: string } } };
    return body.components.kafka.state === 'consuming';
  }, 60_000, 'the Kafka consumer joined its group');

  // The producing service: its own tracer, exporting to the same collector.
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'orders-service' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${receiver.endpoint}/v1/traces` }))],
  });
  t.teardown(() => provider.shutdown());
  const send = provider.getTracer('orders-service').startSpan(`send ${kafkaTopic}`, { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'kafka' } });
  const headers: Record<string, string> = {};
  new W3CTraceContextPropagator().inject(trace.setSpan(ROOT_CONTEXT, send), headers, { set: (c, k, v) => { (c as Record<string, string>)[k] = v; } });
  const p = kafka.producer();
  await p.connect();
  await p.send({ topic: kafkaTopic, acks: -1, messages: [{ key: 'o-1', value: JSON.stringify({ user_id: 'carol', event: 'order.created', data: { id: 'o-1' } }), headers }] });
  await p.disconnect();
  send.end();
  await provider.forceFlush();

  const n = await carol.next('notification', 30_000);
  t.same(n.data, { id: 'o-1' }, 'carol got the record');
  const producer = await receiver.waitFor((s) => s.service === 'orders-service' && s.spanId === send.spanContext().spanId, 'the producer\'s own span');
  const consumer = await receiver.waitFor(childOf(producer), 'Kafka consumer span under the producer\'s');
  t.equal(consumer.kind, 'SPAN_KIND_CONSUMER');
  t.equal(consumer.instance, instB);
  t.equal(consumer.name, `process ${kafkaTopic}`);
  t.equal(consumer.attributes['messaging.system'], 'kafka');
  t.equal(consumer.attributes['messaging.destination.name'], kafkaTopic);
  t.equal(consumer.scope, 'kafka', 'the plugin\'s own instrumentation scope');
  const deliver = await receiver.waitFor((s) => s.traceId === producer.traceId && s.instance === instB && s.name.startsWith('deliver ') && s.attributes['actorwire.receivers'] === 1, 'delivery to carol in the same trace');
  // The delivery hangs under the consumer span (possibly through the handler's own spans).
  let up: ReceivedSpan | undefined = deliver;
  const chain: string[] = [];
  while (up !== undefined && up.spanId !== consumer.spanId) {
    chain.push(up.name);
    up = receiver.spans.find((s) => s.spanId === up!.parentSpanId);
  }
  t.ok(up, `delivery descends from the consumer span (${chain.join(' ← ')})`);

  const metrics = await (await fetch(`${b.httpBase}/metrics`)).text();
  t.match(metrics, new RegExp(`^actorwire_kafka_record_delivery_seconds_count\\{topic="${kafkaTopic.replace(/[.-]/g, '\\$&')}",[^}]*\\} [1-9]`, 'm'), 'record-to-delivery latency recorded');
});

t.test('POST /api/notify with a traceparent → route span → Redis → delivery to the user on B', async (t) => {
  const dave = await b.connect(`/ws?token=${await jwt({ sub: 'dave' })}`);
  // B subscribes the user's channel when dave connects: notify until he hears it (a trace per try).
  let got: any;
  let requestId = '';
  let traceId = '';
  let callerSpan = '';
  for (let i = 0; got === undefined && i < 40; i++) {
    traceId = randomBytes(16).toString('hex');
    callerSpan = randomBytes(8).toString('hex');
    const res = await fetch(`${a.httpBase}/api/notify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await jwt({ sub: 'billing', role: 'service' })}`, traceparent: `00-${traceId}-${callerSpan}-01`, 'x-request-id': `req-${i}` },
      body: JSON.stringify({ event: 'invoice.paid', data: { i }, user_id: 'dave' }),
    });
    t.equal(res.status, 202);
    requestId = res.headers.get('x-request-id') ?? '';
    got = await dave.next('notification', 250).catch(() => undefined);
  }
  t.ok(got, 'dave on B got the notification sent through A');
  t.match(requestId, /^req-\d+$/, 'the caller\'s request id is echoed');

  const route = await receiver.waitFor((s) => s.traceId === traceId && s.name === 'POST /api/notify', 'the route span in the caller\'s trace');
  t.equal(route.kind, 'SPAN_KIND_SERVER');
  t.equal(route.parentSpanId, callerSpan, 'continues the caller\'s traceparent');
  t.equal(route.instance, instA);
  t.equal(route.attributes['http.route'], '/api/notify');
  t.equal(route.attributes['http.response.status_code'], 202);
  const producer = await receiver.waitFor((s) => childOf(route)(s) && s.kind === 'SPAN_KIND_PRODUCER', 'Redis producer under the route span');
  const consumer = await receiver.waitFor((s) => childOf(producer)(s) && s.instance === instB, 'Redis consumer on B');
  const deliver = await receiver.waitFor((s) => childOf(consumer)(s) && s.name.startsWith('deliver '), 'delivery on B');
  t.equal(deliver.attributes['actorwire.receivers'], 1, 'delivered to dave');
});
