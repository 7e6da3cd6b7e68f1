/**
 * `history` and `subscribe` share one authorization path: over every built-in kind of topic —
 * rooms, order-{id} and seller-{id} (claims policies), user channels in both spellings (own and
 * another user's), the broadcast system topic, snapshot and analytics section topics — a session
 * refused a subscribe is refused `history` with the same code, and a session allowed to subscribe
 * is not refused `history` for authorization.
 */
import t from 'tap';
import { startTestServer } from '@actorwire/testing';
import authPlugin from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import snapshots from '@actorwire/plugin-snapshots';
import analytics from '@actorwire/plugin-analytics';
import history from '../src/index.js';
import { SECRET, jwt } from './support.js';

t.test('history answers like subscribe on every topic kind', async (t) => {
  const srv = await startTestServer({
    plugins: [
      [authPlugin, { secret: SECRET }],
      [rooms, {}],
      [history, { rooms: [{ pattern: '*', size: 100 }] }],
      [snapshots, { restBaseUrl: 'http://127.0.0.1:9/api' }],
      [analytics, { restBaseUrl: 'http://127.0.0.1:9/api' }],
    ],
  });
  t.teardown(() => srv.stop());
  const ana = await srv.connect(`/ws?token=${await jwt({ sub: 'ana', seller_id: 's1' })}`);
  const names = [
    'chat', 'order-o1', 'order-o2', 'seller-s1', 'seller-s2', 'notifications:ana', 'notifications:bob', 'user:ana', 'user:bob',
    '$broadcast', 'snapshots:restaurants:main:list', 'analytics:public:users:snapshot', '', '__proto__',
  ];
  let compared = 0;
  for (const room of names) {
    const h = await ana.request({ type: 'history', room, id: `h-${room}` });
    const s = await ana.request({ type: 'subscribe', room, id: `s-${room}` });
    if (s.type === 'error') {
      t.equal(h.type === 'error' ? h.code : 'a page', s.code, `${JSON.stringify(room)}: subscribe ${s.code}, history the same`);
    } else {
      t.notOk(h.type === 'error' && ['FORBIDDEN', 'UNAUTHORIZED'].includes(h.code), `${JSON.stringify(room)}: subscribe allowed, history not refused for authorization (${h.type === 'error' ? h.code : 'a page'})`);
    }
    if (s.type !== 'error') await ana.request({ type: 'unsubscribe', room });
    compared++;
  }
  t.equal(compared, names.length);
  // The finding: another user's channel was FORBIDDEN to subscribe but history answered a page.
  const other = await ana.request({ type: 'history', room: 'notifications:bob' });
  t.equal(other.code, 'FORBIDDEN');
});
