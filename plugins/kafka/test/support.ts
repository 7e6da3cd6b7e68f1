/** Test support: the broker `npm test` provisions (KAFKA_BROKERS), unique topics, a server with kafka. */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { SignJWT } from 'jose';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import type { PluginEntry } from '@actorwire/core';
import { sleep, startTestServer, until, type TestServer } from '@actorwire/testing';

export { sleep, until };
import authPlugin from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import kafkaPlugin, { type KafkaOptions } from '../src/index.js';

export const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
export const SECRET = 'kafka-plugin-tests-secret-0123456789-abcdefgh';
export const kafka = new Kafka({ clientId: 'actorwire-kafka-tests', brokers: BROKERS, logLevel: logLevel.NOTHING });

export const unique = (name: string): string => `${name}.${randomBytes(4).toString('hex')}`;

export async function createTopics(...topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })) });
  } finally {
    await admin.disconnect();
  }
}

export async function produce(topic: string, messages: Array<{ key?: string; value: string | object; headers?: Record<string, string> }>): Promise<void> {
  const p = kafka.producer();
  await p.connect();
  try {
    await p.send({ topic, acks: -1, messages: messages.map((m) => ({ key: m.key ?? null, value: typeof m.value === 'string' ? m.value : JSON.stringify(m.value), headers: m.headers ?? {} })) });
  } finally {
    await p.disconnect();
  }
}

/** Read every record of a topic as {headers, value} (until `count` arrived). */
/** Records on `topic` so far (the sum of its partitions' high watermarks). */
export async function written(topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

export async function readTopic(topic: string, count: number, timeoutMs = 30_000): Promise<Array<{ headers: Record<string, string>; value: string }>> {
  // First: were they written? A slow reader and a missing record are different failures.
  const deadline = Date.now() + timeoutMs;
  let n = 0;
  while ((n = await written(topic)) < count) {
    if (Date.now() > deadline) throw new Error(`only ${n}/${count} records were written to ${topic} within ${timeoutMs} ms`);
    await sleep(100);
  }
  const c: Consumer = kafka.consumer({ groupId: unique('reader') });
  await c.connect();
  await c.subscribe({ topic, fromBeginning: true });
  const out: Array<{ headers: Record<string, string>; value: string }> = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read only ${out.length} of the ${n} records written to ${topic} within ${timeoutMs} ms`)), timeoutMs);
      void c.run({
        eachMessage: async ({ message }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
          out.push({ headers, value: message.value?.toString() ?? '' });
          if (out.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await c.disconnect();
  }
  return out;
}

export const jwt = (claims: Record<string, unknown>): Promise<string> =>
  new SignJWT({ exp: Math.floor(Date.now() / 1000) + 600, ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));

export function server(o: Partial<KafkaOptions>, extra: PluginEntry[] = [], config: Parameters<typeof startTestServer>[0] extends infer P ? (P extends { config?: infer C } ? C : never) : never = {}): Promise<TestServer> {
  return startTestServer({
    config,
    plugins: [[authPlugin, { secret: SECRET }], rooms, [kafkaPlugin, { brokers: BROKERS, groupId: unique('group'), fromBeginning: true, retryBackoff: 50, lagInterval: 500, ...o }], ...extra],
  });
}

export async function user(srv: TestServer, sub: string) {
  return srv.connect(`/ws?token=${await jwt({ sub })}`);
}

/** A stand-in OTLP/HTTP collector (accepts trace exports), so tracing — and trace context — is on. */
export async function otlpCollector(): Promise<{ endpoint: string; posts: () => number; close(): Promise<void> }> {
  let posts = 0;
  const srv = createServer((req, res) => {
    posts++;
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(srv.address() as { port: number }).port}`,
    posts: () => posts,
    close: () => new Promise<void>((r) => { srv.closeAllConnections(); srv.close(() => r()); }),
  };
}

/** Wait until the plugin's consumer has joined its group (records are then consumed). */
export async function consuming(srv: TestServer): Promise<void> {
  await until(async () => {
    const res = await fetch(`${srv.httpBase}/health`, { headers: { connection: 'close' } });
    const body = (await res.json()) as { components: { kafka: { state: string } } };
    return body.components.kafka.state === 'consuming';
  }, 30_000, 'kafka consumer joined the group');
}
