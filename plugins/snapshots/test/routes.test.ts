/** Every route form and alias, what is refused before the upgrade, and the path token. */
import t from 'tap';
import { expectRefused } from '@actorwire/testing';
import { captureLogs, jwt, server, startUpstream, viewer } from './support.js';

t.test('route forms: entity + section, aliases, legacy forms, default entity', async (t) => {
  const up = await startUpstream();
  const srv = await server(up, { snapshots: { defaultEntity: 'tables' } });
  t.teardown(async () => { await srv.stop(); await up.close(); });

  const cases: Array<[string, string, string]> = [
    ['/ws/restaurants/main-hall', 'restaurants', 'main-hall'],
    ['/ws/restaurant/main-hall', 'restaurants', 'main-hall'],
    ['/ws/Restaurants/terrace', 'restaurants', 'terrace'],
    ['/ws/user/s1', 'users', 's1'],
    ['/ws/users/s1', 'users', 's1'],
    ['/ws/dish/s2', 'dishes', 's2'],
    ['/ws/subscription-plan/s3', 'subscription-plans', 's3'],
    ['/ws/section/s9', 'tables', 's9'],
  ];
  for (const [path, entity, section] of cases) {
    const c = await viewer(srv, path);
    const f = await c.request({ action: 'list' });
    t.equal(f.type, `${entity}.list`, `${path}: type`);
    t.equal(f.topic, `${entity}.list`, `${path}: topic`);
    t.equal(f.entity, entity, `${path}: entity`);
    t.equal(f.section, section, `${path}: section`);
    t.same(up.calls.at(-1)!.path, `/${entity}`, `${path}: upstream path`);
    t.equal(up.calls.at(-1)!.query.get('section'), section);
    await c.close();
  }
});

t.test('each session joins its section topics (and the allowed actions\' topics) and follows its section\'s default view', async (t) => {
  const up = await startUpstream();
  const srv = await server(up, { snapshots: { allowedActions: ['stats'] } });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const a = await viewer(srv, '/ws/restaurants/A');
  await viewer(srv, '/ws/restaurants/B');
  await a.request({ type: 'ping' });
  const topics = [...srv.kernel.services.get('topics').localTopics().keys()].filter((k) => k.startsWith('$snapshots:')).sort();
  t.same(topics, [
    '$snapshots:restaurants:A:detail', '$snapshots:restaurants:A:error', '$snapshots:restaurants:A:list', '$snapshots:restaurants:A:snapshot', '$snapshots:restaurants:A:stats',
    '$snapshots:restaurants:B:detail', '$snapshots:restaurants:B:error', '$snapshots:restaurants:B:list', '$snapshots:restaurants:B:snapshot', '$snapshots:restaurants:B:stats',
    '$snapshots:view:restaurants:A:list::', '$snapshots:view:restaurants:B:list::',
  ]);
  // A server-side push to section A reaches A only.
  const snap = srv.kernel.services.get('snapshots');
  t.equal(await snap.publish('restaurant', 'A', 'stats', { open: 3 }), true);
  const f = await a.next('restaurants.stats');
  t.same(f.payload, { open: 3 });
  t.equal(f.section, 'A');
  t.equal(f.topic, 'restaurants.stats');
});

t.test('clients cannot subscribe to section topics through the room protocol', async (t) => {
  const up = await startUpstream();
  const rooms = (await import('@actorwire/plugin-rooms')).default;
  const srv = await server(up, { plugins: [rooms] });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const c = await srv.connect(`/ws?token=${await jwt()}`);
  // Server topics start with `$`, which no room name may contain.
  const r = await c.request({ type: 'subscribe', room: '$snapshots:restaurants:A:list' });
  t.equal(r.type, 'error');
  t.equal(r.code, 'INVALID_MESSAGE');
});

t.test('refused before the upgrade: 404 unknown entity, 400 malformed section, 401 without or with a bad token', async (t) => {
  const up = await startUpstream();
  const srv = await server(up);
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const auth = { headers: { authorization: `Bearer ${await jwt()}` } };

  let r = await expectRefused(`${srv.wsBase}/ws/spaceships/main`, auth);
  t.equal(r.status, 404);
  t.equal(r.body.code, 'UNKNOWN_ENTITY');
  t.match(r.body.error, /unknown entity "spaceships"/);
  t.ok(r.body.entities.includes('restaurants'), 'the body lists the entities served');

  for (const bad of ['-lead', 'a%20b', 'x'.repeat(129), 'semi%3Bcolon']) {
    r = await expectRefused(`${srv.wsBase}/ws/restaurants/${bad}`, auth);
    t.equal(r.status, 400, `section ${bad.slice(0, 12)}`);
    t.equal(r.body.code, 'INVALID_SECTION');
  }
  r = await expectRefused(`${srv.wsBase}/ws/restaurants/main`);
  t.equal(r.status, 401, 'no token');
  r = await expectRefused(`${srv.wsBase}/ws/restaurants/main`, { headers: { authorization: 'Bearer not.a.jwt' } });
  t.equal(r.status, 401, 'bad token');
  r = await expectRefused(`${srv.wsBase}/ws/restaurants/main/not.a.jwt`);
  t.equal(r.status, 401, 'bad path token');
  t.equal(up.calls.length, 0, 'nothing reached the upstream');
});

t.test('a malformed percent-encoding in the path is a 400, not a crash', async (t) => {
  const up = await startUpstream();
  const srv = await server(up);
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const r = await expectRefused(`${srv.wsBase}/ws/restaurants/%E0%A4%A`, { headers: { authorization: `Bearer ${await jwt()}` } });
  t.equal(r.status, 400);
  const c = await viewer(srv, '/ws/restaurants/main');
  t.equal((await c.request({ action: 'list' })).type, 'restaurants.list', 'the server still serves');
});

t.test('the path token authenticates, is forwarded upstream, and never reaches the logs or the session', async (t) => {
  const up = await startUpstream();
  const logs = captureLogs();
  const srv = await server(up, { logger: logs.logger });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const token = await jwt({ sub: 'path-user' });
  const c = await srv.connect(`/ws/restaurants/main-hall/${token}`);
  t.equal(c.connected!.data.user_id, 'path-user');
  const f = await c.request({ action: 'list_restaurants' });
  t.equal(f.type, 'restaurants.list');
  t.equal(up.calls.at(-1)!.authorization, `Bearer ${token}`, 'forwarded to the upstream');
  const session = [...srv.kernel.services.get('sessions').all()][0]!;
  t.notOk('token' in session.params, 'the session does not keep the path token');
  // A refused path token is not logged either.
  await expectRefused(`${srv.wsBase}/ws/restaurants/main-hall/${token}x`);
  await c.close();
  await srv.stop();
  const text = logs.text();
  t.ok(text.length > 0, 'the server logged');
  t.notOk(text.includes(token), 'the token is in no log line');
  t.notOk(text.includes(token.split('.')[2]!), 'not even its signature');
});

t.test('sessions authenticated by an auth message after the upgrade join their section then', async (t) => {
  const up = await startUpstream();
  const srv = await server(up, { snapshots: { lateAuth: true } });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const c = await srv.connect('/ws/restaurants/late');
  const denied = await c.request({ action: 'list' });
  t.equal(denied.code, 'UNAUTHORIZED', 'no action before authentication');
  const token = await jwt();
  const ok = await c.request({ type: 'auth', token });
  t.equal(ok.type, 'authenticated');
  const f = await c.request({ action: 'list' });
  t.equal(f.type, 'restaurants.list');
  t.equal(up.calls.at(-1)!.authorization, `Bearer ${token}`, 'the token the auth message verified is the session\'s credential, forwarded for its own request');
  t.ok(srv.kernel.services.get('topics').localCount('$snapshots:restaurants:late:list') === 1, 'joined its section');
});
