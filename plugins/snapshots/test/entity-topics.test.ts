/**
 * A section's `{entity}.{action}` topics: an observable action's answer reaches every session of
 * the section (the asker once, by its request id), a plain action answers only the asker; and a
 * room named like an entity topic cannot be joined or published to through the rooms plugin.
 */
import t from 'tap';
import { definePlugin } from '@actorwire/core';
import rooms from '@actorwire/plugin-rooms';
import type {} from '../src/index.js';
import { server, startUpstream, viewer } from './support.js';

const actions = definePlugin({
  name: 'table-actions', version: '1.0.0', kernel: '^0.2.0', requires: ['snapshots'],
  register(ctx) {
    const snaps = ctx.services.get('snapshots');
    let seat = 0;
    snaps.defineAction('tables', 'seat', (req) => ({ seated: ++seat, by: req.session.userId }));
    snaps.defineAction('tables', 'peek', () => ({ private: true }));
  },
});

t.test('an observable action tells every session of the section; a plain one only the asker', async (t) => {
  const up = await startUpstream();
  const srv = await server(up, { plugins: [rooms], after: [actions], snapshots: { observableActions: ['seat'] } });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const asker = await viewer(srv, '/ws/tables/patio', { sub: 'waiter' });
  const colleague = await viewer(srv, '/ws/tables/patio', { sub: 'host' });
  const elsewhere = await viewer(srv, '/ws/tables/bar');

  const answer = await asker.request({ action: 'seat', id: 'req-1' });
  t.equal(answer.type, 'tables.seat');
  t.same(answer.payload, { seated: 1, by: 'waiter' });
  const seen = await colleague.next('tables.seat', 5000);
  t.same(seen.payload, { seated: 1, by: 'waiter' }, 'the other session of the section saw the same answer');
  t.equal(seen.id, 'req-1', 'with the asker\'s id, so the asker knows its own');
  t.ok(await asker.expectNone('tables.seat', 200), 'the asker got it once');
  t.ok(await elsewhere.expectNone('tables.seat', 50), 'another section heard nothing');

  const peek = await asker.request({ action: 'peek', id: 'req-2' });
  t.same(peek.payload, { private: true });
  t.ok(await colleague.expectNone('tables.peek', 200), 'a plain action answers only the asker');
});

t.test('a room named like an entity topic is refused, to join and to publish', async (t) => {
  const up = await startUpstream();
  const srv = await server(up, { plugins: [rooms] });
  t.teardown(async () => { await srv.stop(); await up.close(); });
  const c = await viewer(srv, '/ws');
  for (const room of ['restaurants.snapshot', 'tables.seat', 'users.list']) {
    const joined = await c.request({ type: 'join', room });
    t.equal(joined.code, 'FORBIDDEN', `join ${room}`);
    t.match(joined.error, /named like an entity topic/);
    const sent = await c.request({ type: 'publish', room, data: { spoof: true } });
    t.equal(sent.code, 'NOT_SUBSCRIBED', `publish to ${room}: a room nobody can join has no member to publish`);
  }
  const ok = await c.request({ type: 'join', room: 'restaurants-chat' });
  t.not(ok.type, 'error', 'other rooms are untouched');
  const internal = await c.request({ type: 'join', room: '$snapshots:view:tables:A:list::' });
  t.equal(internal.code, 'INVALID_MESSAGE', 'nor can a client join a view topic (server topics start with $)');
});
