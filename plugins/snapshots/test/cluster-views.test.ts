/**
 * Views are topics, cluster-wide: three instances on the real Redis (REDIS_URL, redis-pubsub) and the real
 * Kafka broker (KAFKA_BROKERS), one consumer group. A record is consumed by one instance; it fetches each touched
 * view once and publishes the answer to the view's topic, so every viewer on every instance —
 * and every passive session of the section — gets it once. The other instances drop their
 * cached answers the change touched, so a request there afterwards is not served stale data.
 */
import t from 'tap';
import { until, type TestClient, type TestServer } from '@actorwire/testing';
import kafkaPlugin from '@actorwire/plugin-kafka';
import redisPubSub from '@actorwire/plugin-redis-pubsub';
import rooms from '@actorwire/plugin-rooms';
import { BROKERS, consuming, createTopics, produce, unique } from '../../kafka/test/support.js';
import { uniquePrefix } from '../../redis-pubsub/test/support.js';
import { server, startUpstream, viewer, type Upstream } from './support.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const LIST_A = '$snapshots:view:restaurants:A:list::';
const DETAIL_7 = '$snapshots:view:restaurants:A:detail:7:';

async function cluster(t: { teardown(fn: () => unknown): void }, interop: boolean): Promise<{ topic: string; up: Upstream; nodes: TestServer[] }> {
  const topic = unique('restaurants.changed');
  await createTopics(topic);
  const up = await startUpstream();
  const prefix = uniquePrefix();
  const groupId = unique('snapshots-cluster');
  const nodes: TestServer[] = [];
  t.teardown(async () => {
    for (const n of nodes) await n.stop();
    await up.close();
  });
  for (let i = 0; i < 3; i++) {
    nodes.push(await server(up, {
      plugins: [
        rooms,
        [redisPubSub, { url: REDIS_URL, keyPrefix: prefix, interop, interopEventsPrefix: `${prefix}events:`, interopUserPrefix: `${prefix}notifications:`, interopBroadcastChannel: `${prefix}system:broadcast`, presenceHeartbeat: 500, presenceTtl: 5000, retryBase: 50, retryMax: 300 }],
        [kafkaPlugin, { brokers: BROKERS, groupId, fromBeginning: true, entityTopics: [`restaurants:${topic}`] }],
      ],
      snapshots: { entityTopics: [`restaurants:${topic}`], refreshWindow: 100, refreshMaxDelay: 1000 },
    }));
  }
  for (const n of nodes) await consuming(n);
  return { topic, up, nodes };
}

/** Members of a topic across the cluster, as one instance's presence sees them. */
const members = (n: TestServer, topic: string) => n.kernel.services.get('presence').count(topic);

/** The snapshots refresh counters of one instance, from its /metrics. */
async function refreshCounts(n: TestServer): Promise<Record<string, number>> {
  const text = await (await fetch(`${n.httpBase}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^actorwire_snapshots_refresh_total\{[^}]*kind="(\w+)"[^}]*\} (\d+)/gm)) out[m[1]!] = Number(m[2]);
  return out;
}

async function onlyOnce(t: { ok(v: unknown, m: string): void }, clients: TestClient[], type: string): Promise<void> {
  for (const c of clients) t.ok(await c.expectNone(type, 300), `one ${type} per client, not one per instance`);
}

for (const interop of [false, true]) t.test(`a record consumed by one of three instances refreshes the viewers of all three, one upstream call per view${interop ? ' (interop mode: server topics keep Actorwire\'s envelope)' : ''}`, async (t) => {
  const { topic, up, nodes } = await cluster(t, interop);
  const [n1, n2, n3] = nodes as [TestServer, TestServer, TestServer];
  const v1 = await viewer(n1, '/ws/restaurants/A');
  const v2 = await viewer(n2, '/ws/restaurants/A');
  const passive = await viewer(n3, '/ws/restaurants/A'); // asks for nothing
  const d7 = await viewer(n3, '/ws/restaurants/A');
  const b = await viewer(n2, '/ws/restaurants/B');
  t.equal((await v1.request({ action: 'list' })).payload.version, 1);
  t.equal((await v2.request({ action: 'list' })).payload.version, 2, 'instance 2 has a cache of its own');
  t.equal((await d7.request({ action: 'get_restaurants', data: { id: '7' } })).payload.version, 1);
  await b.request({ action: 'list' });
  // Every session of A follows A's default view (passive), so it has 4 members on 3 instances.
  await until(async () => (await Promise.all(nodes.map((n) => members(n, LIST_A)))).every((c) => c === 4), 10_000, 'every instance sees the view topic\'s members');
  await until(async () => (await members(n1, DETAIL_7)) === 1, 10_000, 'and the detail view\'s');
  const listCalls = up.count('/restaurants?section=A');
  const detailCalls = up.count('/restaurants/7');

  await produce(topic, [{ value: { section_id: 'A', id: 7, event: 'table.updated' } }]);
  const frames = await Promise.all([v1, v2, passive, d7].map((c) => c.next('restaurants.snapshot', 20_000)));
  for (const f of frames) {
    t.equal(f.section, 'A');
    t.equal(f.payload.version, 3, 'the refreshed list, fetched once');
  }
  const detail = await d7.next('restaurants.detail', 20_000);
  t.equal(detail.entity_id, '7');
  t.equal(detail.payload.version, 2);
  t.equal(up.count('/restaurants?section=A') - listCalls, 1, 'one upstream call for the list view, for viewers on three instances');
  t.equal(up.count('/restaurants/7') - detailCalls, 1, 'one for the detail view');
  await onlyOnce(t, [v1, v2, passive, d7], 'restaurants.snapshot');
  t.ok(await b.expectNone('restaurants.snapshot', 100), 'section B heard nothing');

  // One instance consumed the record and published each view once; the others heard the notice.
  const counts = await Promise.all(nodes.map(refreshCounts));
  t.equal(counts.reduce((n, c) => n + (c.pushed ?? 0), 0), 2, 'two publishes (one per view) reached five frames: no per-viewer loop');
  t.equal(counts.filter((c) => (c.records ?? 0) > 0).length, 1, 'one instance consumed the record');
  t.equal(counts.filter((c) => (c.heard ?? 0) > 0).length, 2, 'the two others heard what it handled');

  // Instance 2's cached A list (version 2) was dropped by the notice: a new request there is fresh.
  const later = await viewer(n2, '/ws/restaurants/A');
  const fresh = await later.request({ action: 'list' });
  t.equal(fresh.cached, false, 'not served the copy cached before the change');
  t.ok(fresh.payload.version >= 3, 'a version after the change');
  const bAgain = await b.request({ action: 'list' });
  t.equal(bAgain.cached, true, 'B\'s cache was not touched');
});
