#!/usr/bin/env node
// Self-test of scripts/services against REAL Kafka and Redis (no mocks).
//   node scripts/services/services.test.mjs [kafka] [redis] [cluster] [provision]
// Exits non-zero on failure and prints every check. Ends with "N passed, N failed".
// ACTORWIRE_KAFKA_VERSION=3.9.2 runs the Kafka part against another broker version.
import assert from 'node:assert/strict';

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
import { ensureKafka, startRedisServer, startRedisCluster, kafkaVersion, provision } from './index.mjs';
import { ping } from './redis.mjs';

const only = new Set(process.argv.slice(2));
const want = (name) => only.size === 0 || only.has(name);

let passed = 0;
let failed = 0;
const ok = (msg) => {
  passed++;
  console.log(`  ok   ${msg}`);
};
async function section(name, fn) {
  console.log(`# ${name}`);
  const t0 = Date.now();
  try {
    await fn();
    console.log(`# ${name}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } catch (e) {
    failed++;
    console.log(`  FAIL ${name}: ${e.stack ?? e}`);
  }
}

const withTimeout = (p, ms, what) =>
  Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error(`timeout after ${ms} ms: ${what}`)), ms).unref())]);

// ---------------------------------------------------------------------------
if (want('kafka')) {
  await section(`Kafka ${process.env.KAFKA_BROKERS ? `(KAFKA_BROKERS=${process.env.KAFKA_BROKERS})` : kafkaVersion()} with kafkajs`, async () => {
    const { Kafka, logLevel, CompressionTypes } = (await import('kafkajs')).default;
    const t0 = Date.now();
    const k = await ensureKafka();
    ok(`ensureKafka() -> ${k.brokers} (started=${k.started}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const clients = [];
    try {
      const kafka = new Kafka({ clientId: 'services-selftest', brokers: k.brokers.split(','), logLevel: logLevel.WARN });
      const admin = kafka.admin();
      clients.push(admin);
      await admin.connect();
      const topic = `selftest-${Date.now()}`;
      const created = await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
      });
      assert.equal(created, true);
      const md = await admin.fetchTopicMetadata({ topics: [topic] });
      assert.equal(md.topics[0].partitions.length, 3);
      ok(`admin.createTopics(${topic}, 3 partitions) + fetchTopicMetadata`);

      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      clients.push(producer);
      await producer.connect();
      const msgs = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, headers: { n: String(i) } }));
      await producer.send({ topic, acks: -1, messages: msgs.slice(0, 5) });
      await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: msgs.slice(5) });
      ok('idempotent producer sent 10 records (acks=all, one batch gzip)');

      const groupId = `selftest-group-${Date.now()}`;
      const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000 });
      clients.push(consumer);
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const got = [];
      await withTimeout(
        new Promise((resolve, reject) => {
          consumer
            .run({
              autoCommit: false,
              eachMessage: async ({ topic: t, partition, message }) => {
                got.push({ key: message.key.toString(), value: message.value.toString(), n: message.headers.n.toString() });
                await consumer.commitOffsets([{ topic: t, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
                if (got.length === 10) resolve();
              },
            })
            .catch(reject);
        }),
        60_000,
        'consume 10 records',
      );
      assert.deepEqual(got.map((m) => m.value).sort(), msgs.map((m) => m.value).sort());
      assert.ok(got.every((m) => m.value === `v${m.n}` && m.key === `k${m.n}`), 'keys/headers intact');
      ok(`consumer group ${groupId} consumed all 10 records (keys, values, headers intact) and committed offsets`);
      await consumer.disconnect();

      const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
      const committed = offsets[0].partitions.reduce((s, p) => s + Math.max(0, Number(p.offset)), 0);
      assert.equal(committed, 10);
      const ends = await admin.fetchTopicOffsets(topic);
      assert.equal(ends.reduce((s, p) => s + Number(p.high), 0), 10);
      ok('admin.fetchOffsets: committed offsets sum to 10 = topic high watermarks');

      const groups = await admin.describeGroups([groupId]);
      assert.equal(groups.groups[0].groupId, groupId);
      ok(`admin.describeGroups -> state ${groups.groups[0].state}`);

      // A new member of the same group resumes from the committed offsets.
      await producer.send({ topic, messages: [{ key: 'k10', value: 'after-commit' }] });
      const consumer2 = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000 });
      clients.push(consumer2);
      await consumer2.connect();
      await consumer2.subscribe({ topic, fromBeginning: true });
      const got2 = [];
      await withTimeout(
        new Promise((resolve, reject) => {
          consumer2
            .run({
              eachMessage: async ({ message }) => {
                got2.push(message.value.toString());
                resolve();
              },
            })
            .catch(reject);
        }),
        60_000,
        'resume from committed offset',
      );
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(got2, ['after-commit']);
      ok('second consumer in the same group resumed from the committed offset (got only the new record)');
      await consumer2.disconnect();

      const tproducer = kafka.producer({ transactionalId: `selftest-tx-${Date.now()}`, maxInFlightRequests: 1, idempotent: true });
      clients.push(tproducer);
      await tproducer.connect();
      const tx = await tproducer.transaction();
      await tx.send({ topic, messages: [{ value: 'in-tx' }] });
      await tx.commit();
      ok('transactional producer: send + commit');

      await admin.deleteTopics({ topics: [topic], timeout: 10000 });
      ok('admin.deleteTopics');
    } finally {
      for (const c of clients.reverse()) await c.disconnect().catch(() => {});
      const t1 = Date.now();
      await k.stop();
      ok(`stop() in ${Date.now() - t1} ms`);
    }
  });
}

// ---------------------------------------------------------------------------
if (want('redis')) {
  await section('startRedisServer: ping, stop, restart on the same port', async () => {
    const Redis = (await import('ioredis')).default;
    const s = await startRedisServer();
    try {
      assert.notEqual(s.port, 6379);
      assert.equal(await ping('127.0.0.1', s.port), true);
      ok(`started ${s.url} (pid ${s.pid}); raw PING -> +PONG`);
      const client = new Redis(s.url, { maxRetriesPerRequest: 1, retryStrategy: (n) => Math.min(n * 100, 500) });
      client.on('error', () => {});
      await client.set('selftest', '1');
      assert.equal(await client.ping(), 'PONG');
      ok('ioredis SET + PING');

      const oldPid = s.pid;
      await s.kill();
      assert.equal(await ping('127.0.0.1', s.port), false);
      ok(`kill() -> server gone (pid ${oldPid}), PING fails`);

      await s.restart();
      assert.equal(await ping('127.0.0.1', s.port), true);
      assert.notEqual(s.pid, oldPid);
      ok(`restart() -> same port ${s.port}, new pid ${s.pid}, PING -> +PONG`);

      // The existing ioredis client reconnects by itself; data did not survive (nothing persisted).
      const v = await withTimeout(
        (async () => {
          for (;;) {
            try {
              return await client.get('selftest');
            } catch {
              await new Promise((r) => setTimeout(r, 100));
            }
          }
        })(),
        10_000,
        'ioredis reconnect',
      );
      assert.equal(v, null);
      ok('ioredis client reconnected after restart (dataset empty, as expected)');
      client.disconnect();

      await s.stop();
      assert.equal(await ping('127.0.0.1', s.port), false);
      await s.restart();
      assert.equal(await ping('127.0.0.1', s.port), true);
      ok('stop() then restart() also comes back on the same port');
    } finally {
      await s.stop();
    }
    assert.equal(await ping('127.0.0.1', s.port), false);
    assert.equal(await ping('127.0.0.1', 6379), true, 'machine Redis on 6379 untouched');
    ok('stopped; machine Redis on 6379 still answers');
  });
}

// ---------------------------------------------------------------------------
if (want('cluster')) {
  await section('startRedisCluster: 3 masters, sharded pub/sub via ioredis Cluster', async () => {
    const Redis = (await import('ioredis')).default;
    const t0 = Date.now();
    const c = await startRedisCluster({ masters: 3 });
    ok(`cluster up on ${c.nodes.map((n) => n.port).join(', ')} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const clients = [];
    try {
      // ioredis needs `shardedSubscribers: true` for SSUBSCRIBE in a Cluster (otherwise the
      // subscription goes to one random node and hangs / never receives).
      const mk = (extra = {}) => {
        const cl = new Redis.Cluster(c.nodes, { redisOptions: { maxRetriesPerRequest: 2 }, ...extra });
        cl.on('error', () => {});
        clients.push(cl);
        return cl;
      };
      const pub = mk();
      const sub = mk({ shardedSubscribers: true });
      await withTimeout(
        (async () => {
          for (let i = 0; i < 30; i++) await pub.set(`key:${i}`, String(i));
        })(),
        15_000,
        'cluster SET',
      );
      const counts = await Promise.all(
        c.urls.map(async (u) => {
          const r = new Redis(u);
          clients.push(r);
          return r.dbsize();
        }),
      );
      assert.equal(counts.reduce((a, b) => a + b, 0), 30);
      assert.ok(counts.every((n) => n > 0), `keys spread over all masters: ${counts}`);
      ok(`30 keys spread over all masters (${counts.join('/')})`);

      const channels = ['room:{a}', 'room:{b}', 'room:{c}', 'room:{d}'];
      const received = [];
      sub.on('smessage', (ch, msg) => received.push(`${ch}=${msg}`));
      await withTimeout(
        (async () => {
          for (const ch of channels) await sub.ssubscribe(ch);
          for (const ch of channels) {
            const n = await pub.spublish(ch, `hello ${ch}`);
            assert.equal(n, 1, `SPUBLISH ${ch} reached 1 subscriber`);
          }
        })(),
        15_000,
        'SSUBSCRIBE + SPUBLISH',
      );
      await withTimeout(
        (async () => {
          while (received.length < channels.length) await new Promise((r) => setTimeout(r, 20));
        })(),
        10_000,
        'smessage delivery',
      );
      assert.deepEqual(received.sort(), channels.map((ch) => `${ch}=hello ${ch}`).sort());
      ok(`SSUBSCRIBE/SPUBLISH round trip on ${channels.length} channels in different slots`);
    } finally {
      for (const cl of clients) cl.disconnect();
      await c.stop();
    }
    for (const n of c.nodes) assert.equal(await ping(n.host, n.port), false);
    ok('cluster stopped; all nodes gone');
  });
}

// ---------------------------------------------------------------------------
if (want('provision')) {
  await section('provision({ redis: true })', async () => {
    const p = await provision({ redis: true });
    try {
      assert.ok(p.env.REDIS_URL, 'REDIS_URL provided');
      const u = new URL(p.env.REDIS_URL);
      assert.equal(await ping(u.hostname, Number(u.port || 6379)), true);
      assert.deepEqual(p.missing, {});
      assert.equal(p.childEnv({ PATH: '/bin' }).REDIS_URL, p.env.REDIS_URL);
      ok(`env.REDIS_URL=${p.env.REDIS_URL} answers PING; childEnv() carries it`);
    } finally {
      await p.stop();
    }
  });
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
