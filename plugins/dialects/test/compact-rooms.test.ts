/**
 * `compact-rooms`: compact made the default where the operator says (ACTORWIRE_COMPACT_ROOMS
 * patterns), with the dialect chosen server-wide — clients do not opt in. Messages of matching
 * rooms are compact; other rooms, and clients that ask for the canonical protocol, get full frames.
 */
import t from 'tap';
import { startTestServer } from '@actorwire/testing';
import authPlugin from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import dialects from '../src/index.js';
import { SECRET, jwt, rawClient } from './support.js';

const COMPACT_KEYS = ['data', 'room', 'timestamp', 'type'];

t.test('server-wide: matching rooms compact for every default client; other rooms and ?dialect=actorwire canonical', async (t) => {
  const srv = await startTestServer({
    config: { defaultDialect: 'compact-rooms' },
    plugins: [[authPlugin, { secret: SECRET }], rooms, [dialects, { compactRooms: ['ticker', 'prices-*'] }]],
  });
  t.teardown(() => srv.stop());
  const headers = async (sub: string) => ({ authorization: `Bearer ${await jwt({ sub })}` });
  const plain = await rawClient(`${srv.wsBase}/ws`, { headers: await headers('1') });
  const full = await rawClient(`${srv.wsBase}/ws?dialect=actorwire`, { headers: await headers('2') });
  for (const c of [plain, full]) {
    for (const room of ['ticker', 'prices-eu', 'chat']) {
      c.send({ type: 'subscribe', room, id: `s-${room}` });
      await c.json((f) => f.id === `s-${room}`);
    }
  }
  const connected = await plain.json((f) => f.type === 'connected');
  t.type(connected.data.client_id, 'string', 'connected is canonical');

  for (const room of ['ticker', 'prices-eu', 'chat']) {
    full.send({ type: 'publish', room, data: { room } });
    const light = await plain.json((f) => f.type === 'message' && f.room === room);
    const heavy = await full.json((f) => f.type === 'message' && f.room === room);
    t.type(heavy.message_id, 'string', `${room}: a client that asked for the canonical protocol gets the full frame`);
    if (room === 'chat') {
      t.same(light, heavy, 'chat (no pattern matches): the full frame for the default client too');
    } else {
      t.same(Object.keys(light).sort(), COMPACT_KEYS, `${room}: compact for the default client`);
      t.same([light.data, light.timestamp], [{ room }, heavy.timestamp], `${room}: same data and timestamp`);
    }
  }
  plain.close();
  full.close();
});

t.test('a route of its own: compact on /ws/live only', async (t) => {
  const srv = await startTestServer({
    plugins: [[authPlugin, { secret: SECRET }], rooms, [dialects, { compactRooms: ['ticker'], routes: { '/ws/live': 'compact-rooms' } }]],
  });
  t.teardown(() => srv.stop());
  const headers = { authorization: `Bearer ${await jwt({ sub: '1' })}` };
  const live = await rawClient(`${srv.wsBase}/ws/live`, { headers });
  const main = await rawClient(`${srv.wsBase}/ws`, { headers });
  for (const c of [live, main]) { c.send({ type: 'subscribe', room: 'ticker', id: 's' }); await c.json((f) => f.id === 's'); }
  main.send({ type: 'publish', room: 'ticker', data: 1 });
  t.same(Object.keys(await live.json((f) => f.type === 'message')).sort(), COMPACT_KEYS, '/ws/live: compact');
  t.type((await main.json((f) => f.type === 'message')).message_id, 'string', '/ws: canonical');
  live.close();
  main.close();
});

t.test('configuration: the env list, and refusals that name what is wrong', async (t) => {
  t.same(dialects.optionsFromEnv!({ ACTORWIRE_COMPACT_ROOMS: 'ticker, prices-*' }), { compactRooms: ['ticker', 'prices-*'] });
  await t.rejects(
    startTestServer({ plugins: [rooms, [dialects, { compactRooms: ['bad{'] }]] }),
    /ACTORWIRE_COMPACT_ROOMS: .*bad\{/,
    'a malformed pattern stops startup, naming the variable and the pattern',
  );
  await t.rejects(
    startTestServer({ plugins: [rooms, [dialects, { routes: { '/ws/live': 'compact-rooms' } }]] }),
    /\/ws\/live.*compact-rooms.*ACTORWIRE_COMPACT_ROOMS/,
    'a compact-rooms route without rooms is refused',
  );
  await t.rejects(
    startTestServer({ config: { defaultDialect: 'compact-rooms' }, plugins: [rooms, dialects] }),
    /ACTORWIRE_DIALECT.*compact-rooms/,
    'the server default without rooms: the kernel names the dialect nobody defined',
  );
});
