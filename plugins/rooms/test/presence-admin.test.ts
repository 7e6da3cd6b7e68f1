/** Presence (query and join/leave events), GET /admin/clients and room counts on /health. */
import t from 'tap';
import { http, server, token } from './support/helpers.js';

t.test('presence query: members with connection counts; only for subscribers or admins', async (t) => {
  const srv = await server({ auth: true });
  t.teardown(() => srv.stop());
  const a1 = await srv.as({ sub: 'alice' });
  const a2 = await srv.as({ sub: 'alice' });
  const bob = await srv.as({ sub: 'bob' });
  const admin = await srv.as({ sub: 'root', role: 'admin' });
  for (const c of [a1, a2, bob]) await c.request({ type: 'subscribe', room: 'lobby' });

  const p = await a1.request({ type: 'presence', room: 'lobby', id: 'p1' });
  t.equal(p.type, 'presence');
  t.equal(p.id, 'p1');
  t.equal(p.data.client_count, 3);
  const byUser = Object.fromEntries(p.data.members.map((m: { user_id: string; connections: number }) => [m.user_id, m.connections]));
  t.same(byUser, { alice: 2, bob: 1 });

  const stranger = await srv.as({ sub: 'carol' });
  t.equal((await stranger.request({ type: 'presence', room: 'lobby' })).code, 'NOT_SUBSCRIBED', 'non-members may not look');
  t.equal((await admin.request({ type: 'presence', room: 'lobby' })).data.client_count, 3, 'admins may');

  await a2.close();
  const after = await bob.request({ type: 'presence', room: 'lobby' });
  t.equal(after.data.client_count, 2, 'a closed connection leaves presence');
});

t.test('presence events for rooms matching a pattern, none elsewhere', async (t) => {
  const srv = await server({ auth: true, rooms: { presenceEvents: ['game-{id}'] } });
  t.teardown(() => srv.stop());
  const a = await srv.as({ sub: 'alice' });
  const b = await srv.as({ sub: 'bob' });
  await a.request({ type: 'subscribe', room: 'game-1' });
  await a.request({ type: 'subscribe', room: 'chat' });
  await b.request({ type: 'subscribe', room: 'game-1' });
  const own = await a.next((f) => f.type === 'presence' && f.event === 'join');
  t.equal(own.data.user_id, 'alice', 'the joiner sees its own join first');
  const join = await a.next((f) => f.type === 'presence' && f.event === 'join');
  t.same({ room: join.room, user: join.data.user_id }, { room: 'game-1', user: 'bob' });
  await b.request({ type: 'subscribe', room: 'chat' });
  t.ok(await a.expectNone((f) => f.type === 'presence' && f.room === 'chat', 300), 'no events for rooms outside the pattern');
  await b.close();
  const leave = await a.next((f) => f.type === 'presence' && f.event === 'leave');
  t.same({ room: leave.room, user: leave.data.user_id }, { room: 'game-1', user: 'bob' }, 'disconnect sends leave');
});

t.test('GET /admin/clients: admin token required; counts per room; /health carries rooms', async (t) => {
  const srv = await server({ auth: true });
  t.teardown(() => srv.stop());
  const a = await srv.as({ sub: 'alice' });
  const b = await srv.as({ sub: 'bob' });
  await a.request({ type: 'subscribe', room: 'r1' });
  await b.request({ type: 'subscribe', room: 'r1' });
  await b.request({ type: 'subscribe', room: 'r2' });

  t.equal((await http(srv, 'GET', '/admin/clients')).status, 401, 'no token → 401');
  t.equal((await http(srv, 'GET', '/admin/clients', { token: token({ sub: 'alice' }) })).status, 403, 'not an admin → 403');
  const ok = await http(srv, 'GET', '/admin/clients', { token: token({ sub: 'ops', role: 'admin' }) });
  t.equal(ok.status, 200);
  t.same(ok.body, { clients: 2, rooms: { r1: 2, r2: 1 } }, 'user channels are not listed as rooms');

  const health = await http(srv, 'GET', '/health');
  t.equal(health.body.rooms, 2, 'room count on /health');
  t.match(health.body.components.rooms, { status: 'up', rooms: 2, members: 3 });
});
