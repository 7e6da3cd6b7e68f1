import t from 'tap';
import { choosePlugins } from '../src/plugins.js';

t.test('npm start plugin choice (docs/protocol.md "Which plugins npm start loads")', async (t) => {
  t.same(choosePlugins({}), ['auth', 'rooms', 'dialects'], 'defaults: auth, rooms and the Go services\' dialects');
  t.same(choosePlugins({ REDIS_URL: 'redis://127.0.0.1:6379' }), ['auth', 'rooms', 'dialects', 'redis-pubsub']);
  t.same(choosePlugins({ REDIS_ADDR: '127.0.0.1:6379', KAFKA_BROKERS: 'k:9092' }), ['auth', 'rooms', 'dialects', 'redis-pubsub', 'kafka']);
  t.same(choosePlugins({ REST_BASE_URL: 'http://api' }), ['auth', 'rooms', 'dialects', 'snapshots', 'analytics'], 'snapshots and analytics with a REST upstream');
  t.same(choosePlugins({ HISTORY_ROOMS: 'chat-*=100' }), ['auth', 'rooms', 'dialects', 'history'], 'history once rooms are named');
  t.same(choosePlugins({ ACTORWIRE_ADMIN_TOKEN: 'x'.repeat(16) }), ['auth', 'rooms', 'dialects', 'admin'], 'the admin page once its token is set');
  t.same(choosePlugins({ ACTORWIRE_PLUGINS: ' rooms , ./x.mjs ', REDIS_URL: 'redis://x' }), ['rooms', './x.mjs'], 'explicit list wins');
  t.same(choosePlugins({ ACTORWIRE_PLUGINS: 'none' }), [], '`none`: the bare kernel');
});
