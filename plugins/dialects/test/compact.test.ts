/**
 * The `compact` dialect: in a room shared with canonical clients, a compact client's deliveries
 * carry type, room, data and timestamp only, and are smaller on the wire; everything else it
 * reads (connected, subscribed, errors, notifications) and everything it sends is canonical.
 */
import t from 'tap';
import { jwt, rawClient, server } from './support.js';

t.test('compact deliveries: room, data and timestamp only, fewer bytes; the rest canonical', async (t) => {
  const srv = await server();
  t.teardown(() => srv.stop());
  const bearer = async (sub: string) => ({ authorization: `Bearer ${await jwt({ sub })}` });
  const compact = await rawClient(`${srv.wsBase}/ws?dialect=compact`, { headers: await bearer('1') });
  const viaSubprotocol = await rawClient(`${srv.wsBase}/ws`, { headers: await bearer('3'), protocols: ['actorwire.compact'] });
  t.equal(viaSubprotocol.protocol, 'actorwire.compact', 'the subprotocol selects it and is echoed');
  const canonical = await srv.connect('/ws', { headers: await bearer('2') });

  const connected = await compact.json((f) => f.type === 'connected');
  t.type(connected.data.client_id, 'string', 'connected is canonical');
  compact.send({ type: 'subscribe', room: 'busy', id: 's1' });
  const ack = await compact.json((f) => f.id === 's1');
  t.same([ack.type, ack.room], ['subscribed', 'busy'], 'subscribed is canonical');
  viaSubprotocol.send({ type: 'subscribe', room: 'busy', id: 's2' });
  await viaSubprotocol.json((f) => f.id === 's2');
  await canonical.request({ type: 'subscribe', room: 'busy' });

  canonical.send({ type: 'publish', room: 'busy', data: { price: 42 } });
  const text = await compact.next((x) => x.includes('"type":"message"'));
  const full = await canonical.next('message');
  const light = JSON.parse(text) as Record<string, unknown>;
  t.same(Object.keys(light).sort(), ['data', 'room', 'timestamp', 'type']);
  t.same([light.type, light.room, light.data, light.timestamp], ['message', 'busy', { price: 42 }, full.timestamp]);
  const fullBytes = Buffer.byteLength(JSON.stringify({ ...full }));
  t.ok(Buffer.byteLength(text) < fullBytes - 60, `compact ${Buffer.byteLength(text)} B vs canonical ~${fullBytes} B`);
  t.same(JSON.parse(await viaSubprotocol.next((x) => x.includes('"type":"message"'))), light, 'every compact subscriber reads the same text');

  compact.send({ type: 'publish', room: 'nowhere', id: 'p1' });
  const err = await compact.json((f) => f.id === 'p1');
  t.same([err.type, err.code], ['error', 'NOT_SUBSCRIBED'], 'errors are canonical');
});
