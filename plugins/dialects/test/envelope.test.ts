/**
 * A client written as the realtime service's documents show it, through the `envelope`
 * dialect: `{"type":"join","payload":{"room":…}}` answered `joined <room>`, room traffic as
 * `{from, room, ts, body, meta}` envelopes, `leave` answered `left <room>` — next to canonical
 * and gateway clients in the same room, each reading its own frames.
 */
import t from 'tap';
import { RFC3339, jwt, rawClient, server } from './support.js';

t.test('envelope client: joined, envelopes from every kind of sender, left', async (t) => {
  const srv = await server();
  t.teardown(() => srv.stop());
  const as = async (sub: string, query = '') => rawClient(`${srv.wsBase}/ws${query}`, { headers: { authorization: `Bearer ${await jwt({ sub })}` } });
  const goClient = await as('1', '?dialect=envelope');
  const other = await as('2', '?dialect=envelope');
  const gateway = await as('3', '?dialect=gateway');
  const canonical = await srv.connect('/ws', { headers: { authorization: `Bearer ${await jwt({ sub: '4' })}` } });

  goClient.send({ type: 'join', payload: { room: 'room-1' } });
  t.equal(await goClient.next(), 'joined room-1', 'the first thing it reads: nothing is sent on connect');
  other.send({ type: 'join', payload: { room: 'room-1' } });
  t.equal(await other.next(), 'joined room-1');
  gateway.send({ type: 'subscribe', data: { channel: 'room-1' } });
  await gateway.json((f) => f.type === 'ack');
  await canonical.request({ type: 'subscribe', room: 'room-1' });

  other.send({ type: 'broadcast', payload: { room: 'room-1', body: { status: 'shipped' } } });
  const env = await goClient.json();
  t.same({ from: env.from, room: env.room, body: env.body }, { from: '2', room: 'room-1', body: { status: 'shipped' } });
  t.match(env.ts, RFC3339);
  t.equal(env.meta.type, 'message');
  t.type(env.meta.message_id, 'string');
  const ev = await gateway.json((f) => f.type === 'event');
  t.same([ev.channel, ev.data, ev.message_id], ['room-1', { status: 'shipped' }, env.meta.message_id], 'the gateway client reads the same message as an event');
  const m = await canonical.next('message');
  t.same([m.room, m.data, m.user_id, m.message_id], ['room-1', { status: 'shipped' }, '2', env.meta.message_id], 'and the canonical one as a message');

  // A notification to the room (the notify API) is an envelope from the server.
  const token = await jwt({ sub: 'svc', role: 'service' });
  const res = await fetch(`${srv.httpBase}/api/notify`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ event: 'order_updated', data: { id: 123 }, room: 'room-1' }) });
  t.equal(res.status, 202);
  const note = await goClient.json();
  t.same({ from: note.from, room: note.room, body: note.body, meta: { type: note.meta.type, event: note.meta.event } }, { from: 'server', room: 'room-1', body: { id: 123 }, meta: { type: 'notification', event: 'order_updated' } });

  goClient.send({ type: 'leave', payload: { room: 'room-1' } });
  t.equal(await goClient.next((x) => !x.startsWith('{')), 'left room-1');
  other.send({ type: 'broadcast', payload: { room: 'room-1', body: 'bye' } });
  t.ok(await goClient.none(() => true, 300), 'nothing after leaving');
  for (const c of [goClient, other, gateway]) c.close();
});
