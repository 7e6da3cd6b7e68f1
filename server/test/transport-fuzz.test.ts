/**
 * Fuzz of transport inputs: seeded, bounded mutated and pathological payloads (deep arrays and
 * objects, multi-megabyte strings, invalid UTF-8, `__proto__` keys, wrong types, truncated and
 * bit-flipped frames) published on every interop channel, on the native channel (inside and
 * outside the envelope), and as records and headers of a Kafka topic — against the real Redis and
 * the real broker. After every batch: the instances are up, `/health` answers, and a session in
 * the affected room still receives the next valid message. FUZZ_SEED=<n> replays a failure (the
 * seed is in every failure message).
 */
import t from 'tap';
import { randomBytes, randomInt } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { SignJWT } from 'jose';
import { startTestServer, until, type TestClient, type TestServer } from '@actorwire/testing';
import authPlugin from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import redisPubSub from '@actorwire/plugin-redis-pubsub';
import kafkaPlugin from '@actorwire/plugin-kafka';

const SEED = Number(process.env.FUZZ_SEED ?? randomInt(1, 2 ** 31));
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const SECRET = 'transport-fuzz-secret-0123456789-abcdefghijkl';
const BATCHES = 6;
const PER_BATCH = 30;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const VALID: Array<Record<string, unknown>> = [
  { type: 'message', room: 'fz', data: { text: 'hi' }, message_id: 'm1', timestamp: 1 },
  { type: 'notification', event: 'x', data: { a: 1 }, message_id: 'n1', timestamp: 2 },
  { from: 'go-client', room: 'fz', ts: '2024-01-15T10:30:00Z', body: { text: 'env' } },
  { event: 'order.paid', data: { total: 3 } },
];

/** One hostile payload: text or bytes. */
function hostile(allowHuge: boolean): string | Buffer {
  switch (int(0, 11)) {
    case 0: return deepArray(pick([65, 500, 5_000, 100_000]));
    case 1: return deepObject(pick([65, 1_000, 20_000]));
    case 2: return allowHuge && rand() < 0.3 ? '"' + 'x'.repeat(pick([3, 10]) * 1024 * 1024) + '"' : JSON.stringify({ type: 'message', data: 'y'.repeat(int(1, 300_000)) });
    case 3: return Buffer.concat([Buffer.from('{"type":"message","data":"'), Buffer.from([0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80]), randomBytes(int(0, 64)), Buffer.from('"}')]);
    case 4: return JSON.stringify({ __proto__: { polluted: true }, constructor: { prototype: { x: 1 } }, type: '__proto__', room: '__proto__', data: { __proto__: 1 } });
    case 5: return pick(['null', '1', '"str"', 'true', '[]', '{}', '[1,2]', '', ' ', '{"type":1}', '{"type":null,"data":[]}', '{"type":"message","timestamp":"x","message_id":5}']);
    case 6: { const s = JSON.stringify(pick(VALID)); return s.slice(0, int(0, s.length - 1)); }
    case 7: {
      const b = Buffer.from(JSON.stringify(pick(VALID)));
      for (let i = 0; i < int(1, 4); i++) b[int(0, b.length - 1)] = int(0, 255);
      return b;
    }
    case 8: return JSON.stringify({ body: deepArray(70), from: 'x' });
    case 9: return randomBytes(int(1, 2048));
    case 10: return JSON.stringify({ type: 'message', data: Object.fromEntries(Array.from({ length: int(1, 5000) }, (_, i) => [`k${i}`, i])) });
    default: return `w1|${pick(['', 'garbage', '00-' + 'f'.repeat(32) + '-' + 'a'.repeat(16) + '-01'])}|${pick(['', 'other', 'x'.repeat(300)])}\n${pick(['', '{', deepArray(1000), JSON.stringify(pick(VALID))])}`;
  }
}

const jwt = (sub: string) => new SignJWT({ sub, exp: Math.floor(Date.now() / 1000) + 600 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));

async function healthy(srv: TestServer): Promise<number> {
  const res = await fetch(`${srv.httpBase}/health`, { headers: { connection: 'close' } });
  await res.arrayBuffer();
  return res.status;
}

let markers = 0;
/** Publish a valid message after the noise; the session must receive it. */
async function survives(t: { ok(v: unknown, m: string): unknown; equal(a: unknown, b: unknown, m: string): unknown }, what: string, client: TestClient, srv: TestServer, send: (marker: string) => Promise<unknown>, timeout = 10_000): Promise<void> {
  const marker = `marker-${SEED}-${++markers}`;
  await send(marker);
  const got = await client.next((f) => JSON.stringify(f).includes(marker), timeout).then(() => true, () => false);
  t.ok(got, `${what}: the next valid message arrives (seed ${SEED})`);
  t.equal(client.closeCode, undefined, `${what}: the session is still open (seed ${SEED})`);
  const status = await healthy(srv);
  t.ok(status === 200 || status === 503, `${what}: /health answers (${status}) (seed ${SEED})`);
}

t.test(`transport inputs under fuzz (FUZZ_SEED=${SEED})`, async (t) => {
  const p = `fz${randomBytes(3).toString('hex')}:`;
  const q = `fn${randomBytes(3).toString('hex')}:`;
  const topic = `fuzz.${randomBytes(4).toString('hex')}`;
  const kafka = new Kafka({ clientId: 'transport-fuzz', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }, { topic: `${topic}.dlq`, numPartitions: 1, replicationFactor: 1 }] });
  await admin.disconnect();

  const interop = await startTestServer({
    plugins: [[authPlugin, { secret: SECRET }], [rooms, {}], [redisPubSub, {
      url: REDIS_URL, keyPrefix: p, interop: true, interopEventsPrefix: `${p}events:`, interopUserPrefix: `${p}notifications:`, interopBroadcastChannel: `${p}system:broadcast`,
    }]],
  });
  t.teardown(() => interop.stop());
  const native = await startTestServer({
    plugins: [[authPlugin, { secret: SECRET }], [rooms, {}], [redisPubSub, { url: REDIS_URL, keyPrefix: q }],
      [kafkaPlugin, { brokers: BROKERS, groupId: `fuzz-${randomBytes(3).toString('hex')}`, entityTopics: [`fuzz:${topic}`], roomTemplate: 'fz', dlqTopic: `${topic}.dlq`, maxAttempts: 1, retryBackoff: 10, maxRecordSize: 256 * 1024 }]],
  });
  t.teardown(() => native.stop());

  const ana = await interop.connect(`/ws?token=${await jwt('ana')}`);
  await ana.request({ type: 'subscribe', room: 'fz' });
  const bob = await native.connect(`/ws?token=${await jwt('bob')}`);
  await bob.request({ type: 'subscribe', room: 'fz' });
  const redis = new Redis(REDIS_URL);
  t.teardown(() => redis.disconnect());
  await until(async () => {
    const subs = (await redis.pubsub('NUMSUB', `${p}room:fz`, `${p}events:fz`, `${p}notifications:ana`, `${p}system:broadcast`, `${q}room:fz`)) as Array<string | number>;
    return subs.filter((_, i) => i % 2 === 1).every((n) => Number(n) >= 1);
  }, 10_000, 'Redis subscriptions of both instances');
  await until(async () => {
    const res = await fetch(`${native.httpBase}/health`, { headers: { connection: 'close' } });
    return ((await res.json()) as { components: { kafka: { state: string } } }).components.kafka.state === 'consuming';
  }, 60_000, 'kafka consumer joined');
  const producer = kafka.producer();
  await producer.connect();
  t.teardown(() => producer.disconnect());

  const channels: Array<{ name: string; channel: string; client: TestClient; srv: TestServer; valid: (m: string) => string }> = [
    { name: 'interop room', channel: `${p}room:fz`, client: ana, srv: interop, valid: (m) => JSON.stringify({ text: m }) },
    { name: 'interop events', channel: `${p}events:fz`, client: ana, srv: interop, valid: (m) => JSON.stringify({ type: 'evt', marker: m }) },
    { name: 'interop user', channel: `${p}notifications:ana`, client: ana, srv: interop, valid: (m) => JSON.stringify({ event: 'e', data: m }) },
    { name: 'interop broadcast', channel: `${p}system:broadcast`, client: ana, srv: interop, valid: (m) => JSON.stringify({ note: m }) },
    { name: 'native room', channel: `${q}room:fz`, client: bob, srv: native, valid: (m) => `w1||another-instance\n${JSON.stringify({ type: 'message', room: 'fz', data: m, message_id: m, timestamp: Date.now() })}` },
  ];

  for (let batch = 0; batch < BATCHES; batch++) {
    for (const c of channels) {
      for (let i = 0; i < PER_BATCH; i++) {
        const payload = hostile(batch === 0 && i < 2);
        // Native channel: half inside a well-formed envelope header.
        const wrapped = c.name === 'native room' && rand() < 0.5 ? Buffer.concat([Buffer.from('w1||another-instance\n'), Buffer.from(payload)]) : payload;
        await redis.publish(c.channel, wrapped);
      }
      await survives(t, `batch ${batch} ${c.name}`, c.client, c.srv, (m) => redis.publish(c.channel, c.valid(m)));
    }
    const records = Array.from({ length: PER_BATCH }, () => {
      const value = hostile(false);
      const headers: Record<string, string | Buffer> = rand() < 0.3
        ? Object.fromEntries(Array.from({ length: pick([1, 10, 100]) }, (_, i) => [pick(['__proto__', 'ws-room', 'ws-user', 'ws-event', `h${i}`, 'constructor']), rand() < 0.2 ? 'v'.repeat(pick([10, 10_000])) : randomBytes(int(0, 32))]))
        : {};
      return { value: typeof value === 'string' && value.length > 900_000 ? value.slice(0, 900_000) : value, headers };
    });
    // One record per request: the broker refuses requests over ~1 MB (its own limit, not ours).
    for (const r of records) await producer.send({ topic, messages: [r] });
    await survives(t, `batch ${batch} kafka`, bob, native, (m) => producer.send({ topic, messages: [{ value: JSON.stringify({ event: 'fuzz.ok', marker: m }) }] }), 30_000);
  }
  t.ok(true, `seed ${SEED}`);
});
