import t from 'tap';
import { KernelError } from '../src/index.js';
import { loadConfig } from '@actorwire/config';
import { expectRefused, startTestServer } from '@actorwire/testing';
import { miniRooms } from './fixtures/plugins.js';

t.test('GET /health reports clients, rooms, uWS build and plugins', async (t) => {
  const srv = await startTestServer({ plugins: [miniRooms] });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  await c.request({ type: 'join', room: 'r1' });
  const res = await fetch(`${srv.httpBase}/health`);
  t.equal(res.status, 200);
  const body = (await res.json()) as any;
  t.equal(body.status, 'healthy');
  t.equal(body.service, 'actorwire');
  t.equal(body.clients, 1);
  t.equal(body.rooms, 1);
  t.equal(typeof body.uws.native, 'boolean');
  t.equal(body.uws.native, true, 'the native uWS binary loaded on this Node');
  t.same(body.plugins, { 'mini-rooms': '1.0.0' });
});

t.test('GET /metrics is Prometheus text with the kernel instruments', async (t) => {
  const srv = await startTestServer({ plugins: [miniRooms] });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  await c.request({ type: 'join', room: 'r1' });
  c.send('nope');
  await c.next('error');
  c.send({ type: 'say', room: 'r1', data: 1 });
  await c.next('message');
  const res = await fetch(`${srv.httpBase}/metrics`);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /text\/plain/);
  const text = await res.text();
  t.match(text, /actorwire_connections\{[^}]*\} 1/);
  t.match(text, /actorwire_rooms\{[^}]*\} 1/);
  t.match(text, /actorwire_messages_received_total\{type="join"[^}]*\} 1/);
  t.match(text, /actorwire_errors_total\{code="INVALID_JSON"[^}]*\} 1/);
  t.match(text, /actorwire_messages_sent_total\{path="fanout"[^}]*\} 1/);
});

t.test('max connections: SERVER_FULL then close 1013', async (t) => {
  const srv = await startTestServer({ config: { websocket: { maxConnections: 2 } } });
  t.teardown(() => srv.stop());
  await srv.connect();
  await srv.connect();
  const third = await srv.connect('/ws', { awaitConnected: false });
  const err = await third.next('error');
  t.equal(err.code, 'SERVER_FULL');
  t.equal(err.error, 'server is at maximum capacity');
  t.equal((await third.closed).code, 1013);
  t.equal(srv.kernel.services.get('sessions').count(), 2);
});

t.test('allowed origins: others are refused with 403 before the upgrade', async (t) => {
  const srv = await startTestServer({ config: { allowedOrigins: ['https://app.example'] } });
  t.teardown(() => srv.stop());
  const r = await expectRefused(`${srv.wsBase}/ws`, { headers: { origin: 'https://evil.example' } });
  t.equal(r.status, 403);
  t.equal(r.body.error, 'origin not allowed');
  const ok = await srv.connect('/ws', { headers: { origin: 'https://app.example' } });
  t.equal(ok.connected?.type, 'connected');
});

t.test('unknown HTTP routes answer JSON 404', async (t) => {
  const srv = await startTestServer();
  t.teardown(() => srv.stop());
  const res = await fetch(`${srv.httpBase}/nope`);
  t.equal(res.status, 404);
  t.same(await res.json(), { error: 'not found', code: 'NOT_FOUND' });
});

t.test('configuration from the environment; invalid values name the variable', async (t) => {
  const cfg = loadConfig({ env: { PORT: '9001', WEBSOCKET_PING_INTERVAL: '30s', WEBSOCKET_PONG_WAIT: '1m', ALLOWED_ORIGINS: 'https://a, https://b', WEBSOCKET_LIMITS_MAX_CONNECTIONS: '0' } });
  t.equal(cfg.port, 9001);
  t.equal(cfg.websocket.pingInterval, 30_000);
  t.equal(cfg.websocket.pongWait, 60_000);
  t.same(cfg.allowedOrigins, ['https://a', 'https://b']);
  t.equal(cfg.websocket.maxConnections, 0);
  const bad: Array<[Record<string, string>, string]> = [
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ WEBSOCKET_PING_INTERVAL: 'soon' }, 'WEBSOCKET_PING_INTERVAL'],
    [{ WEBSOCKET_MAX_MESSAGE_SIZE: '-1' }, 'WEBSOCKET_MAX_MESSAGE_SIZE'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ WEBSOCKET_PING_INTERVAL: '60s', WEBSOCKET_PONG_WAIT: '30s' }, 'WEBSOCKET_PONG_WAIT'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }, 'OTEL_EXPORTER_OTLP_ENDPOINT'],
  ];
  for (const [env, name] of bad) {
    try {
      loadConfig({ env });
      t.fail(`accepted ${JSON.stringify(env)}`);
    } catch (err) {
      t.ok(err instanceof KernelError);
      t.equal((err as KernelError).subject, name, `names ${name}`);
      t.match((err as Error).message, name);
    }
  }
});
