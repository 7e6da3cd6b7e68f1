/** The Go WebSocket module's configuration: variable aliases, warnings for what cannot apply, its YAML file. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { effectiveEnv, loadConfig, readConfigFile, withCompatEnv, type CompatEnvWarning } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'actorwire-config-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

t.test('WEBSOCKET_PORT / WEBSOCKET_HOST are aliases; the Actorwire name wins; the rest is reported once each', async (t) => {
  const warnings: CompatEnvWarning[] = [];
  const warn = (w: CompatEnvWarning) => warnings.push(w);
  const env = withCompatEnv({ WEBSOCKET_PORT: '8081', WEBSOCKET_HOST: '0.0.0.0', WEBSOCKET_WRITE_WAIT: '10s', WEBSOCKET_READ_BUFFER_SIZE: '1024', WEBSOCKET_ENABLED: 'true' }, warn);
  t.equal(env.PORT, '8081');
  t.equal(env.HOST, '0.0.0.0');
  t.same(warnings.map((w) => w.name).sort(), ['WEBSOCKET_READ_BUFFER_SIZE', 'WEBSOCKET_WRITE_WAIT'], 'WEBSOCKET_ENABLED=true is fine');
  t.match(warnings.find((w) => w.name === 'WEBSOCKET_WRITE_WAIT')!.text, /WEBSOCKET_MAX_BACKPRESSURE/, 'the warning says what to use instead');

  warnings.length = 0;
  const both = withCompatEnv({ WEBSOCKET_PORT: '8081', PORT: '9000', WEBSOCKET_ENABLED: 'false' }, warn);
  t.equal(both.PORT, '9000', 'PORT wins');
  t.same(warnings.map((w) => w.name).sort(), ['WEBSOCKET_ENABLED', 'WEBSOCKET_PORT']);

  const config = loadConfig({ env: { WEBSOCKET_PORT: '8123', WEBSOCKET_HOST: '127.0.0.1' } });
  t.equal(config.port, 8123, 'loadConfig applies the aliases');
  t.equal(config.host, '127.0.0.1');
});

t.test('the Go module\'s YAML file works as it is', async (t) => {
  const path = file('websocket.yaml', `
websocket:
  enabled: true
  host: "127.0.0.1"
  port: 8081
  timeout: "30s"
  read_buffer_size: 1024
  write_buffer_size: 1024
  max_message_size: 512000  # 500KB
  ping_interval: "54s"
  pong_wait: "60s"
  write_wait: "10s"

  limits:
    max_connections: 10000       # 0 = unlimited
    max_connections_per_room: 1000  # 0 = unlimited
`);
  const read = readConfigFile(path);
  t.same(read.doc, {}, 'nothing left for the schema');
  t.equal(read.env.WEBSOCKET_LIMITS_MAX_CONNECTIONS_PER_ROOM, '1000', 'plugin settings become variables (the rooms plugin reads this one)');
  const config = loadConfig({ env: {}, file: path });
  t.equal(config.port, 8081);
  t.equal(config.host, '127.0.0.1');
  t.equal(config.websocket.maxMessageSize, 512000);
  t.equal(config.websocket.pingInterval, 54_000);
  t.equal(config.websocket.pongWait, 60_000);
  t.equal(config.websocket.maxConnections, 10000);
  // The environment wins over the file.
  t.equal(loadConfig({ env: { WEBSOCKET_LIMITS_MAX_CONNECTIONS: '5', PORT: '0' }, file: path }).websocket.maxConnections, 5);
  const env = effectiveEnv({ WEBSOCKET_LIMITS_MAX_CONNECTIONS_PER_ROOM: '7' }, read);
  t.equal(env.WEBSOCKET_LIMITS_MAX_CONNECTIONS_PER_ROOM, '7');
  t.equal(env.PORT, '8081', 'the file\'s port reaches PORT through the alias');
});

t.test('Actorwire\'s own configuration in YAML, mixed with Go keys; bad files name the file', async (t) => {
  const path = file('actorwire.yml', `
port: 0
logLevel: warn
websocket:
  maxBackpressure: 65536
  max_message_size: 2048
plugins:
  rooms:
    maxRoomsPerConnection: 3
`);
  const config = loadConfig({ env: {}, file: path });
  t.equal(config.logLevel, 'warn');
  t.equal(config.websocket.maxBackpressure, 65536);
  t.equal(config.websocket.maxMessageSize, 2048, 'a Go key next to Actorwire keys');
  t.same(config.plugins.rooms, { maxRoomsPerConnection: 3 });
  t.throws(() => loadConfig({ env: {}, file: file('bad.yaml', 'port: [1,\n') }), /bad\.yaml is not valid YAML/);
  t.throws(() => loadConfig({ env: {}, file: file('list.yaml', '- 1\n- 2\n') }), /must hold an object/);
  t.throws(() => loadConfig({ env: {}, file: file('bad.json', '{"port": ') }), /is not valid JSON/);
  t.throws(() => loadConfig({ env: {}, file: file('typo.yaml', 'websocket:\n  maxMesageSize: 1\n') }), /typo\.yaml: websocket\.maxMesageSize: unknown key "maxMesageSize" in websocket/, 'unknown keys are still refused, naming the file and the key');
});

t.test('the API gateway\'s spelling of the same YAML file', async (t) => {
  const path = file('gateway.yaml', `
websocket:
  read_buffer_size: 4096
  write_buffer_size: 4096
  handshake_timeout: 10s
  read_timeout: 60s
  write_timeout: 10s
  pong_timeout: 60s
  ping_period: 54s
  max_message_size: 1048576  # 1MB
  max_connections: 10000
  allowed_origins:
    - "http://localhost:3000"
    - "http://localhost:3001"
  enable_compression: true
  compression_level: 1
`);
  const read = readConfigFile(path);
  t.same(read.doc, {});
  const warnings: CompatEnvWarning[] = [];
  withCompatEnv(read.env, (w) => warnings.push(w));
  t.same(warnings.map((w) => w.name).sort(), [
    'WEBSOCKET_COMPRESSION_LEVEL', 'WEBSOCKET_ENABLE_COMPRESSION', 'WEBSOCKET_HANDSHAKE_TIMEOUT', 'WEBSOCKET_READ_BUFFER_SIZE',
    'WEBSOCKET_READ_TIMEOUT', 'WEBSOCKET_WRITE_BUFFER_SIZE', 'WEBSOCKET_WRITE_TIMEOUT',
  ], 'each setting that cannot apply is named');
  const config = loadConfig({ env: {}, file: path });
  t.equal(config.websocket.pingInterval, 54_000);
  t.equal(config.websocket.pongWait, 60_000);
  t.equal(config.websocket.maxMessageSize, 1048576);
  t.equal(config.websocket.maxConnections, 10000);
  t.same(config.allowedOrigins, ['http://localhost:3000', 'http://localhost:3001']);
});

t.test('envPairs: key:value lists for plugin options', async (t) => {
  const { envPairs } = await import('../src/index.js');
  const aliases = envPairs({ A: ' User:Users , rest:Restaurant ' }, 'A', 'alias:entity')!;
  t.same({ ...aliases }, { user: 'users', rest: 'restaurant' }, 'trimmed and lower-cased');
  t.equal(Object.getPrototypeOf(aliases), null, 'a null-prototype record (keys come from configuration)');
  t.same({ ...envPairs({ P: 'admin/payments=/Pay/{restaurantId},public=/x' }, 'P', 'k=v', { sep: '=', keepCase: true })! }, { 'admin/payments': '/Pay/{restaurantId}', public: '/x' });
  t.equal(envPairs({}, 'A', 'alias:entity'), undefined);
  t.throws(() => envPairs({ A: 'nocolon' }, 'A', 'alias:entity'), /invalid A="nocolon": expected alias:entity/);
  t.throws(() => envPairs({ A: 'x:' }, 'A', 'alias:entity'), /expected alias:entity/);
});
