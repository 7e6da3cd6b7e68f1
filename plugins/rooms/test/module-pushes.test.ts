/**
 * The Go module guide's service-side pushes, with a client written from the guide (it subscribes
 * to "updates" and reads `Message{type, room, data, error, timestamp}`):
 *   NotifyAllClients(event, data) → {"type":"notification","data":{"event":…,"data":…}}   (clients read data.event)
 *   NotifyRoom(room, data)        → {"type":"room_update","room":…,"data":…}
 * through the `notifier` service and through POST /api/notify with "format":"module".
 */
import t from 'tap';
import { server, http, token } from './support/helpers.js';

const service = token({ sub: 'billing', role: 'service' });

t.test("the guide's NotifyAllClients and NotifyRoom reach its client in its shapes", async (t) => {
  const srv = await server({ auth: true });
  t.teardown(() => srv.stop());
  const client = await srv.as({ sub: 'reader' });
  const outsider = await srv.as({ sub: 'other' });
  await client.request({ type: 'subscribe', room: 'updates' });
  const notifier = srv.kernel.services.get('notifier');

  const all = await notifier.notifyAllClients('maintenance', { in: '5m' });
  for (const c of [client, outsider]) {
    const n = await c.next('notification');
    t.same({ type: n.type, data: n.data }, { type: 'notification', data: { event: 'maintenance', data: { in: '5m' } } }, 'data.event and data.data, as the guide reads them');
    t.equal(n.message_id, all.message_id);
    t.type(n.timestamp, 'number');
  }
  const room = await notifier.notifyRoom('updates', { version: 2 });
  const u = await client.next('room_update');
  t.same({ type: u.type, room: u.room, data: u.data, message_id: u.message_id }, { type: 'room_update', room: 'updates', data: { version: 2 }, message_id: room.message_id });
  t.ok(await outsider.expectNone('room_update'), 'only the room hears a room_update');
  await t.rejects(notifier.notifyRoom('bad room', 1), { code: 'INVALID_MESSAGE' });
  await t.rejects(notifier.notifyAllClients('', 1), { code: 'INVALID_MESSAGE' });
});

t.test('POST /api/notify with "format":"module" sends the same shapes', async (t) => {
  const srv = await server({ auth: true });
  t.teardown(() => srv.stop());
  const client = await srv.as({ sub: 'reader' });
  await client.request({ type: 'subscribe', room: 'updates' });

  const r1 = await http(srv, 'POST', '/api/notify', { token: service, body: { format: 'module', room: 'updates', data: { version: 3 } } });
  t.equal(r1.status, 202, 'a room_update needs no event');
  const u = await client.next('room_update');
  t.same({ room: u.room, data: u.data, message_id: u.message_id }, { room: 'updates', data: { version: 3 }, message_id: r1.body.message_id });

  const r2 = await http(srv, 'POST', '/api/notify', { token: service, body: { format: 'module', event: 'deploy', data: 'v3', broadcast: true } });
  t.equal(r2.status, 202);
  const n = await client.next('notification');
  t.same(n.data, { event: 'deploy', data: 'v3' });
  t.notOk('event' in n, 'no top-level event in the module shape');

  const bad = await http(srv, 'POST', '/api/notify', { token: service, body: { format: 'go', event: 'x', broadcast: true } });
  t.same([bad.status, bad.body.code], [400, 'INVALID_MESSAGE']);
  const noEvent = await http(srv, 'POST', '/api/notify', { token: service, body: { format: 'module', data: 1, broadcast: true } });
  t.same([noEvent.status, noEvent.body.code], [400, 'INVALID_MESSAGE'], 'a notification still needs its event');
});
