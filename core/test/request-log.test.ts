/**
 * The log schema's promises: one line per HTTP request with its request id (the caller's
 * `x-request-id` when sane, else a new one, echoed in the response), one line per connect and
 * per disconnect with client, user, route, close code and duration; no error logged on the way.
 */
import t from 'tap';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { definePlugin } from '../src/index.js';
import { startTestServer } from '@actorwire/testing';

const echo = definePlugin({
  name: 'echo-route',
  version: '1.0.0',
  kernel: '^0.2.0',
  register(ctx) {
    ctx.routes.http('post', '/api/echo', async (req) => ({ id: req.requestId, body: JSON.parse(await req.text()) }));
    ctx.routes.http('get', '/api/fail', () => { throw new Error('boom'); });
  },
});

t.test('request ids and one line per request, connect and disconnect', async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, new Writable({ write(chunk, _e, cb) { for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l)); cb(); } }));
  const srv = await startTestServer({ plugins: [echo], logger });
  t.teardown(() => srv.stop());

  const given = await fetch(`${srv.httpBase}/api/echo`, { method: 'POST', headers: { 'x-request-id': 'abc-123', 'content-type': 'application/json' }, body: '{"x":1}' });
  t.equal(given.headers.get('x-request-id'), 'abc-123', 'a sane caller id is kept and echoed');
  t.same(await given.json(), { id: 'abc-123', body: { x: 1 } }, 'the handler sees it as req.requestId');

  const bad = await fetch(`${srv.httpBase}/api/echo`, { method: 'POST', headers: { 'x-request-id': 'has spaces and "quotes"' }, body: '{}' });
  const made = bad.headers.get('x-request-id') ?? '';
  t.match(made, /^[0-9a-f-]{36}$/, 'an unusable caller id is replaced by a UUID');
  await bad.body?.cancel();

  const failed = await fetch(`${srv.httpBase}/api/fail`, { headers: { 'x-request-id': 'req-fail' } });
  t.equal(failed.status, 500);
  await failed.body?.cancel();

  const c = await srv.connect('/ws');
  await c.request({ type: 'ping' });
  await c.close(4000);
  await new Promise((r) => setTimeout(r, 200));

  const request = lines.find((l) => l.msg === 'http request' && l.request_id === 'abc-123');
  t.match(request, { level: 30, method: 'POST', route: '/api/echo', status: 200, remote: '127.0.0.1' }, 'the request line (info)');
  t.type(request?.duration_ms, 'number');
  t.ok(lines.find((l) => l.msg === 'http request' && l.request_id === made), 'the generated id is logged');
  const failure = lines.find((l) => l.msg === 'route handler failed');
  t.match(failure, { level: 50, request_id: 'req-fail', route: 'GET /api/fail', plugin: 'echo-route' }, 'a failure names the request');
  t.match(lines.find((l) => l.msg === 'http request' && l.request_id === 'req-fail'), { status: 500 });
  const connected = lines.find((l) => l.msg === 'client connected');
  t.match(connected, { level: 30, route: '/ws', user_id: null, remote: '127.0.0.1' });
  const disconnected = lines.find((l) => l.msg === 'client disconnected');
  t.match(disconnected, { level: 30, client_id: connected?.client_id, route: '/ws', code: 4000 });
  t.type(disconnected?.duration_ms, 'number');
  t.same(lines.filter((l) => (l.level as number) >= 50 && l.msg !== 'route handler failed').map((l) => l.msg), [], 'nothing else logged as an error');
});
