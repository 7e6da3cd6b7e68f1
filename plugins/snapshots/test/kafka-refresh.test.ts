/**
 * Kafka-driven refresh against the real broker `npm test` provisions (KAFKA_BROKERS): a record
 * about a section refreshes that section's views and pushes them to their viewers only; a
 * burst is coalesced into one upstream call per affected view; detail views follow their id.
 */
import t from 'tap';
import { until } from '@actorwire/testing';
import kafkaPlugin from '@actorwire/plugin-kafka';
import rooms from '@actorwire/plugin-rooms';
import { BROKERS, consuming, createTopics, produce, unique } from '../../kafka/test/support.js';
import { server, startUpstream, viewer } from './support.js';

async function setup(t: { teardown(fn: () => unknown): void }, o: { refreshWindow?: number; refreshMaxDelay?: number; passive?: boolean } = {}) {
  const topic = unique('restaurants.changed');
  await createTopics(topic);
  const up = await startUpstream();
  const srv = await server(up, {
    plugins: [rooms, [kafkaPlugin, { brokers: BROKERS, groupId: unique('snapshots'), fromBeginning: true, entityTopics: [`restaurants:${topic}`] }]],
    snapshots: { entityTopics: [`restaurants:${topic}`], refreshWindow: o.refreshWindow ?? 100, refreshMaxDelay: o.refreshMaxDelay ?? 1000, ...(o.passive === undefined ? {} : { passive: o.passive }) },
  });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  await consuming(srv);
  return { topic, up, srv };
}

t.test('a record about section A refreshes A\'s viewers, not B\'s', async (t) => {
  const { topic, up, srv } = await setup(t);
  const a1 = await viewer(srv, '/ws/restaurants/A');
  const a2 = await viewer(srv, '/ws/restaurants/A');
  const b = await viewer(srv, '/ws/restaurants/B');
  const idle = await viewer(srv, '/ws/restaurants/A'); // on A, but asked for nothing
  t.equal((await a1.request({ action: 'list' })).payload.version, 1);
  t.equal((await a2.request({ action: 'list' })).cached, true);
  t.equal((await b.request({ action: 'list' })).payload.version, 1);
  t.equal(up.calls.length, 2);

  await produce(topic, [{ value: { section_id: 'A', event: 'table.updated' } }]);
  const [p1, p2] = await Promise.all([a1.next('restaurants.snapshot', 15_000), a2.next('restaurants.snapshot', 15_000)]);
  for (const p of [p1, p2]) {
    t.equal(p.topic, 'restaurants.snapshot');
    t.equal(p.section, 'A');
    t.equal(p.payload.version, 2, 'the refreshed snapshot');
  }
  t.equal(up.count('/restaurants?section=A'), 2, 'one refresh for both viewers');
  t.equal(up.count('/restaurants?section=B'), 1, 'B not fetched again');
  t.ok(await b.expectNone('restaurants.snapshot', 300), 'B\'s viewer got nothing');
  const passive = await idle.next('restaurants.snapshot', 15_000);
  t.equal(passive.payload.version, 2, 'a session of A that asked for nothing gets A\'s default view (passive), from the same refresh');
  const again = await b.request({ action: 'list' });
  t.equal(again.cached, true, 'B\'s cached view was not touched');
  // The refresh went upstream without any viewer's credential; a user's own request is answered
  // with its own credential, so the change dropped the users' cached copies of A.
  const a3 = await viewer(srv, '/ws/restaurants/A');
  const fresh = await a3.request({ action: 'list' });
  t.equal(fresh.cached, false, 'a user\'s request is not served the server\'s refresh');
  t.equal(fresh.payload.version, 3);
  t.equal(up.count('/restaurants?section=A'), 3);
});

t.test('passive off: a session that asked for nothing gets nothing', async (t) => {
  const { topic, up, srv } = await setup(t, { passive: false });
  const asked = await viewer(srv, '/ws/restaurants/A');
  const idle = await viewer(srv, '/ws/restaurants/A');
  await asked.request({ action: 'list' });
  await produce(topic, [{ value: { section_id: 'A' } }]);
  t.equal((await asked.next('restaurants.snapshot', 15_000)).payload.version, 2);
  t.ok(await idle.expectNone('restaurants.snapshot', 300), 'not following the section\'s default view');
  t.equal(up.count('/restaurants?section=A'), 2);
});

t.test('a burst of 1,000 records about one section: one upstream call per affected view', async (t) => {
  const { topic, up, srv } = await setup(t, { refreshWindow: 300, refreshMaxDelay: 10_000 });
  const viewers = [];
  for (let i = 0; i < 5; i++) viewers.push(await viewer(srv, '/ws/restaurants/A'));
  const paged = await viewer(srv, '/ws/restaurants/A');
  const other = await viewer(srv, '/ws/restaurants/B');
  for (const v of viewers) await v.request({ action: 'list' });
  await paged.request({ action: 'list', page: 2 });
  await other.request({ action: 'list' });
  const before = up.calls.length;
  t.equal(before, 3, 'three views: A, A page 2, B');

  const headerSection = Array.from({ length: 500 }, (_, i) => ({ value: { n: i }, headers: { 'ws-section': 'A' } }));
  const valueSection = Array.from({ length: 500 }, (_, i) => ({ value: { sectionId: 'A', n: i } }));
  await produce(topic, [...headerSection, ...valueSection]);

  await Promise.all([...viewers, paged].map((v) => v.next('restaurants.snapshot', 20_000)));
  t.equal(up.calls.length - before, 2, 'exactly one refresh per affected view of A (the list and page 2)');
  t.equal(up.count('/restaurants?section=A&page=2'), 2);
  t.equal(up.count('/restaurants?section=B'), 1);
  t.ok(await other.expectNone('restaurants.snapshot', 500));
  for (const v of viewers) t.ok(await v.expectNone('restaurants.snapshot', 100), 'one push per viewer, not one per record');
  const snaps = srv.kernel.services.get('snapshots');
  t.ok(snaps, 'service present');
});

t.test('detail views follow their id; a record without a section touches every section of the entity', async (t) => {
  const { topic, up, srv } = await setup(t);
  const d7 = await viewer(srv, '/ws/restaurants/A');
  const d8 = await viewer(srv, '/ws/restaurants/A');
  const listB = await viewer(srv, '/ws/restaurants/B');
  await d7.request({ action: 'get_restaurants', data: { id: '7' } });
  await d8.request({ action: 'get_restaurants', data: { id: '8' } });
  await listB.request({ action: 'list' });

  await produce(topic, [{ value: { id: 7, section_id: 'A' } }]);
  const p = await d7.next('restaurants.detail', 15_000);
  t.equal(p.entity_id, '7');
  t.equal(p.payload.version, 2);
  t.ok(await d8.expectNone('restaurants.detail', 300), 'detail 8 untouched');
  t.ok(await listB.expectNone('restaurants.snapshot', 50));

  await produce(topic, [{ value: { event: 'menu.reset' } }]);
  const s = await listB.next('restaurants.snapshot', 15_000);
  t.equal(s.section, 'B');
  t.equal(s.payload.version, 2);
  await d7.next('restaurants.detail', 15_000);
  await d8.next('restaurants.detail', 15_000);
  t.equal(up.count('/restaurants/8'), 2);
});

t.test('a failed refresh tells the viewers on .error; nothing is dead-lettered for records the snapshots consume', async (t) => {
  const { topic, up, srv } = await setup(t);
  const v = await viewer(srv, '/ws/restaurants/A');
  await v.request({ action: 'list' });
  up.answer = () => ({ status: 503, body: '{}' });
  await produce(topic, [{ value: { section_id: 'A' } }]);
  const e = await v.next('restaurants.error', 15_000);
  t.equal(e.code, 'UPSTREAM_ERROR');
  t.equal(e.status, 503);
  t.equal(e.action, 'refresh');
  await until(async () => {
    const text = await (await fetch(`${srv.httpBase}/metrics`)).text();
    return /actorwire_kafka_records(?:_total)?\{[^}]*kind="consumed"[^}]*\} 1\b/.test(text);
  }, 10_000, 'the record counted as consumed');
  const text = await (await fetch(`${srv.httpBase}/metrics`)).text();
  t.match(text, /actorwire_kafka_records(?:_total)?\{[^}]*kind="dead_lettered"[^}]*\} 0\b/, 'not dead-lettered by the default route');
  t.match(text, /actorwire_snapshots_refresh(?:_total)?\{[^}]*kind="failed"[^}]*\} 1\b/);
});
