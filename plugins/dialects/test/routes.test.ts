/**
 * One server, every service's clients unchanged: `/ws/gateway` speaks the gateway dialect and
 * `/ws/rt` the envelope dialect (ACTORWIRE_DIALECT_ROUTES), beside the canonical `/ws`, with no
 * `?dialect=` and no subprotocol. And the envelope dialect's echo of text that is not JSON.
 */
import t from 'tap';
import dialects from '../src/index.js';
import { RFC3339, jwt, rawClient, server } from './support.js';
import { startTestServer } from '@actorwire/testing';
import authPlugin from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import { SECRET } from './support.js';

const withRoutes = (o: Record<string, unknown>) => startTestServer({ plugins: [[authPlugin, { secret: SECRET }], rooms, [dialects, o]] });

t.test('a path per dialect: gateway, envelope and canonical clients in one room, each reading its own frames', async (t) => {
  const srv = await withRoutes({ routes: { '/ws/gateway': 'gateway', '/ws/rt': 'envelope' } });
  t.teardown(() => srv.stop());
  const headers = async (sub: string) => ({ authorization: `Bearer ${await jwt({ sub })}` });
  const gateway = await rawClient(`${srv.wsBase}/ws/gateway`, { headers: await headers('g') });
  const realtime = await rawClient(`${srv.wsBase}/ws/rt`, { headers: await headers('r') });
  const canonical = await srv.connect('/ws', { headers: await headers('c') });

  t.match((await gateway.json()).timestamp, RFC3339, 'the gateway path greets in the gateway dialect');
  gateway.send({ type: 'subscribe', data: { channel: 'orders' } });
  await gateway.json((f) => f.type === 'ack');
  realtime.send({ type: 'join', payload: { room: 'orders' } });
  t.equal(await realtime.next(), 'joined orders', 'the realtime path answers as the realtime service did');
  await canonical.request({ type: 'subscribe', room: 'orders' });

  canonical.send({ type: 'publish', room: 'orders', data: { id: 7 } });
  const m = await canonical.next('message');
  const ev = await gateway.json((f) => f.type === 'event');
  t.same([ev.channel, ev.data, ev.message_id], ['orders', { id: 7 }, m.message_id]);
  const env = await realtime.json();
  t.same([env.from, env.room, env.body, env.meta.message_id], ['c', 'orders', { id: 7 }, m.message_id]);
  for (const c of [gateway, realtime]) c.close();
});

t.test('the envelope dialect echoes text that is not JSON; the canonical protocol answers INVALID_JSON', async (t) => {
  const srv = await server();
  t.teardown(() => srv.stop());
  const auth = { authorization: `Bearer ${await jwt({ sub: 'u' })}` };
  const envelope = await rawClient(`${srv.wsBase}/ws?dialect=envelope`, { headers: auth });
  envelope.send('hello hub');
  t.equal(await envelope.next(), 'hello hub', 'echoed as it came');
  const canonical = await srv.connect('/ws', { headers: auth });
  canonical.ws.send('hello hub');
  t.equal((await canonical.next('error')).code, 'INVALID_JSON');
  envelope.close();
});

t.test('envelopeEcho off: INVALID_JSON on the envelope dialect too; a route naming a left-out dialect is refused at startup', async (t) => {
  const srv = await withRoutes({ envelopeEcho: false });
  t.teardown(() => srv.stop());
  const envelope = await rawClient(`${srv.wsBase}/ws?dialect=envelope`, { headers: { authorization: `Bearer ${await jwt({ sub: 'u' })}` } });
  envelope.send('hello hub');
  t.equal(JSON.parse(await envelope.next()).code, 'INVALID_JSON');
  envelope.close();
  await t.rejects(withRoutes({ enabled: ['gateway'], routes: { '/ws/rt': 'envelope' } }), /\/ws\/rt speaks "envelope", which ACTORWIRE_DIALECTS leaves out/);
});
