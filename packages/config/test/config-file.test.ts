/**
 * The config file forgives nothing silently and reads every spelling alike: durations and sizes as
 * text under camelCase keys (as in the environment and the Go module's keys), errors named by the
 * file and the key as written, unknown keys named, the environment named when it set the value.
 */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'actorwire-config-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

t.test('durations and sizes as text, under camelCase keys and in the environment', async (t) => {
  const path = file('units.yaml', 'websocket:\n  pingInterval: 20s\n  pongWait: 1m\n  maxMessageSize: 512KB\n  maxBackpressure: 2MiB\nshutdownTimeout: 1500ms\nmaxHttpBodySize: 64k\n');
  const c = loadConfig({ env: { ACTORWIRE_CONFIG: path } });
  t.same([c.websocket.pingInterval, c.websocket.pongWait, c.websocket.maxMessageSize, c.websocket.maxBackpressure, c.shutdownTimeout, c.maxHttpBodySize], [20_000, 60_000, 512 * 1024, 2 * 1024 * 1024, 1500, 64 * 1024]);
  const env = loadConfig({ env: { WEBSOCKET_MAX_MESSAGE_SIZE: '1MiB', WEBSOCKET_PING_INTERVAL: '20s' } });
  t.same([env.websocket.maxMessageSize, env.websocket.pingInterval], [1024 * 1024, 20_000], 'the same spellings in variables');
  const go = loadConfig({ env: { ACTORWIRE_CONFIG: file('go.yaml', 'websocket:\n  ping_interval: 20s\n  max_message_size: 64KB\n') } });
  t.same([go.websocket.pingInterval, go.websocket.maxMessageSize], [20_000, 64 * 1024], 'and under the Go module\'s keys');
});

t.test('a bad value is named where it was written: the file and its key, or the variable', async (t) => {
  const camel = file('bad.yaml', 'websocket:\n  pingInterval: often\n');
  t.throws(() => loadConfig({ env: { ACTORWIRE_CONFIG: camel } }), { message: `invalid configuration ${camel}: websocket.pingInterval="often": expected a duration such as 54s, 500ms, 1m or a number of milliseconds` });
  const go = file('bad-go.yaml', 'websocket:\n  ping_interval: often\n');
  t.throws(() => loadConfig({ env: { ACTORWIRE_CONFIG: go } }), { message: new RegExp(`^invalid configuration ${go}: websocket\\.ping_interval="often"`) }, 'a Go module key: that key, not the variable it stands for');
  const type = file('bad-type.yaml', 'websocket:\n  maxConnections: lots\n');
  t.throws(() => loadConfig({ env: { ACTORWIRE_CONFIG: type } }), { message: new RegExp(`^invalid configuration ${type}: websocket\\.maxConnections: must be integer`) });
  const fine = file('fine.yaml', 'websocket:\n  pingInterval: 20s\n');
  t.throws(() => loadConfig({ env: { ACTORWIRE_CONFIG: fine, WEBSOCKET_PING_INTERVAL: 'never' } }), { message: /^invalid WEBSOCKET_PING_INTERVAL="never"/ }, 'the environment wins and is named');
  t.throws(() => loadConfig({ env: { ACTORWIRE_CONFIG: camel, WEBSOCKET_PING_INTERVAL: '20s' } }), { message: new RegExp(`${camel}: websocket\\.pingInterval`) }, 'a file that cannot be read is an error even where a variable would win');
  t.throws(() => loadConfig({ env: { WEBSOCKET_LIMITS_MAX_CONNECTIONS: '-3' } }), { message: /WEBSOCKET_LIMITS_MAX_CONNECTIONS/ });
});

t.test('unknown keys are named, at the top level and inside a section', async (t) => {
  const top = file('top.yaml', 'pingInterval: 20s\n');
  t.throws(() => loadConfig({ env: { ACTORWIRE_CONFIG: top } }), { message: `invalid configuration ${top}: pingInterval: unknown key "pingInterval" at the top level` });
  const inner = file('inner.yaml', 'websocket:\n  pingIntervall: 20s\n');
  t.throws(() => loadConfig({ env: { ACTORWIRE_CONFIG: inner } }), { message: `invalid configuration ${inner}: websocket.pingIntervall: unknown key "pingIntervall" in websocket` });
});

t.test('examples/config.yaml, as shipped, is valid and says what the defaults are', async (t) => {
  const shipped = fileURLToPath(new URL('../../../examples/config.yaml', import.meta.url));
  const c = loadConfig({ env: { ACTORWIRE_CONFIG: shipped } });
  t.same([c.websocket.pingInterval, c.websocket.maxMessageSize, c.maxHttpBodySize, c.shutdownTimeout], [54_000, 500 * 1024, 1024 * 1024, 10_000]);
  t.same(c.plugins, { rooms: { maxRoomNameLength: 128 } });
});
