import t from 'tap';
import { startTestServer } from '@actorwire/testing';

t.test('connect → connected, ping → pong with id', async (t) => {
  const srv = await startTestServer();
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  t.equal(c.connected?.type, 'connected');
  t.type(c.connected?.data.client_id, 'string');
  const pong = await c.request({ type: 'ping', id: 'p1' });
  t.equal(pong.type, 'pong');
  t.equal(pong.id, 'p1');
  t.type(pong.timestamp, 'number');
});
