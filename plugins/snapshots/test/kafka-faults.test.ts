/**
 * The Kafka broker frozen (SIGSTOP) and then killed (kill -9) under live snapshot and analytics
 * sessions, on a broker this test starts for itself: `/health` says kafka is degraded (kafkajs
 * itself kept reporting "consuming"), every viewer is told on `.error` (UNAVAILABLE) that its view
 * may go stale, the sessions stay open and their own requests are still answered (REST does not
 * need Kafka); when the broker returns every view is refreshed and pushed, records are consumed
 * again, and the process's heap did not grow with the outage.
 */
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { until, type TestClient, type TestServer } from '@actorwire/testing';
import kafkaPlugin from '@actorwire/plugin-kafka';
import rooms from '@actorwire/plugin-rooms';
import analytics from '@actorwire/plugin-analytics';
import { unique } from '../../kafka/test/support.js';
import { server, startUpstream, viewer } from './support.js';

interface Broker { brokers: string; pid: number; stop(): Promise<void>; kill(): Promise<void>; restart(): Promise<void> }

t.setTimeout(300_000);

async function kafkaHealth(srv: TestServer): Promise<{ status: string; state: string; detail?: string }> {
  const res = await fetch(`${srv.httpBase}/health`, { headers: { connection: 'close' } });
  return ((await res.json()) as { components: { kafka: { status: string; state: string; detail?: string } } }).components.kafka;
}

async function stillServed(t: { equal(a: unknown, b: unknown, m: string): unknown }, v: TestClient, d: TestClient, when: string): Promise<void> {
  t.equal((await v.request({ type: 'ping' })).type, 'pong', `${when}: the snapshot session is open`);
  t.equal((await v.request({ action: 'list', page: 2 })).type, 'restaurants.list', `${when}: its own requests are answered`);
  t.equal((await d.request({ type: 'ping' })).type, 'pong', `${when}: the dashboard session is open`);
}

t.test('broker frozen, then killed: degraded, viewers told, sessions served; back: views refreshed, records consumed', async (t) => {
  const services = await import(fileURLToPath(new URL('../../../scripts/services/kafka.mjs', import.meta.url))) as { startKafkaBroker(o?: object): Promise<Broker> };
  const broker = await services.startKafkaBroker({ quiet: true });
  t.teardown(() => broker.stop());
  const topic = unique('restaurants.changed');
  const kafka = new Kafka({ clientId: 'faults', brokers: [broker.brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
  await admin.disconnect();
  const up = await startUpstream();
  const srv = await server(up, {
    plugins: [rooms, [kafkaPlugin, { brokers: [broker.brokers], groupId: unique('faults'), fromBeginning: true, entityTopics: [`restaurants:${topic}`], retryBackoff: 50 }]],
    snapshots: { entityTopics: [`restaurants:${topic}`], refreshWindow: 50 },
    after: [[analytics, { restBaseUrl: up.url, entityTopics: [`users:${topic}`], refreshWindow: 50 }]],
  });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  await until(async () => (await kafkaHealth(srv)).state === 'consuming', 60_000, 'consumer joined');
  const v = await viewer(srv, '/ws/restaurants/A');
  await v.request({ action: 'list' });
  const d = await srv.connect('/ws/analytics/public/users');
  await d.next('analytics-public-users.snapshot');
  const heapAfterGc = () => { (globalThis as { gc?: () => void }).gc?.(); return process.memoryUsage().heapUsed; };
  const heapBefore = heapAfterGc();

  for (const fault of ['frozen', 'killed'] as const) {
    if (fault === 'frozen') process.kill(broker.pid, 'SIGSTOP');
    else await broker.kill();
    const down = Date.now();
    await until(async () => (await kafkaHealth(srv)).status === 'degraded', 30_000, `${fault}: /health degraded`);
    t.pass(`${fault}: /health kafka degraded after ${((Date.now() - down) / 1000).toFixed(1)} s: ${(await kafkaHealth(srv)).detail}`);
    const ve = await v.next((f) => f.type === 'restaurants.error' && f.code === 'UNAVAILABLE', 15_000);
    t.equal(ve.section, 'A', `${fault}: the viewer is told its view may be stale`);
    const de = await d.next((f) => f.type === 'analytics-public-users.error' && f.code === 'UNAVAILABLE', 15_000);
    t.equal(de.code, 'UNAVAILABLE', `${fault}: the dashboard is told too`);
    await stillServed(t, v, d, fault);

    if (fault === 'frozen') process.kill(broker.pid, 'SIGCONT');
    else await broker.restart();
    const back = Date.now();
    const fresh = await v.next((f) => f.type === 'restaurants.snapshot', 90_000);
    t.equal(fresh.section, 'A', `${fault}: back after ${((Date.now() - back) / 1000).toFixed(1)} s, the view is refreshed and pushed`);
    await d.next((f) => f.type === 'analytics-public-users.snapshot' && f.action === 'update', 30_000);
    await until(async () => (await kafkaHealth(srv)).status === 'up', 60_000, `${fault}: /health up again`);
    // Records are consumed again: a change refreshes the view.
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: JSON.stringify({ section_id: 'A', after: fault }) }] });
    await producer.disconnect();
    const next = await v.next((f) => f.type === 'restaurants.snapshot', 60_000);
    t.equal(next.section, 'A', `${fault}: a record after the return refreshes the view`);
  }
  const grew = heapAfterGc() - heapBefore;
  t.ok(grew < 10 * 1024 * 1024, `heap (after a full GC) grew ${(grew / 1048576).toFixed(1)} MB over both outages`);
});
