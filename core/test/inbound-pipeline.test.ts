import t from 'tap';
import WebSocket from 'ws';
import { definePlugin, ActorwireError } from '../src/index.js';
import { startTestServer } from '@actorwire/testing';

const echo = definePlugin({
  name: 'echo',
  version: '1.0.0',
  kernel: '^0.2.0',
  register(ctx) {
    ctx.messages.define<{ type: 'echo'; text: string; times?: number }>('echo', {
      schema: {
        type: 'object',
        required: ['type', 'text'],
        additionalProperties: false,
        properties: { type: { const: 'echo' }, id: { type: 'string' }, text: { type: 'string', maxLength: 10 }, times: { type: 'integer', minimum: 1, default: 1 } },
      },
      aliases: { say: (raw) => ({ type: 'echo', id: raw.id as string | undefined, text: String((raw.payload as { body?: unknown })?.body ?? '') }) },
      handle({ message, reply }) {
        reply({ type: 'echoed', data: { text: message.text.repeat(message.times ?? 1) } });
      },
    });
    ctx.messages.define('boom', { handle() { throw new Error('kaput'); } });
    ctx.messages.define('deny', { async handle() { throw new ActorwireError('FORBIDDEN', 'not today'); } });
  },
});

t.test('a plugin message type: schema defaults, alias, handler reply with id', async (t) => {
  const srv = await startTestServer({ plugins: [echo] });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  const r = await c.request({ type: 'echo', text: 'ab', times: 2, id: 'e1' });
  t.same(r.data, { text: 'abab' });
  t.equal(r.id, 'e1');
  const d = await c.request({ type: 'echo', text: 'x' });
  t.same(d.data, { text: 'x' }, 'default times=1 filled by ajv');
  const a = await c.request({ type: 'say', payload: { body: 'hey' } });
  t.equal(a.type, 'echoed', 'alias normalized to the canonical type');
  t.same(a.data, { text: 'hey' });
});

t.test('every failure answers a protocol error and the session keeps working', async (t) => {
  const srv = await startTestServer({ plugins: [echo] });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  const cases: Array<[unknown, string, RegExp]> = [
    ['{not json', 'INVALID_JSON', /^invalid JSON format$/],
    ['[1,2]', 'INVALID_MESSAGE', /^invalid message: message must be a JSON object$/],
    ['"text"', 'INVALID_MESSAGE', /must be a JSON object/],
    [{ room: 'x' }, 'INVALID_MESSAGE', /type is required/],
    [{ type: 'nope' }, 'UNKNOWN_TYPE', /^unknown message type$/],
    [{ type: 'echo' }, 'INVALID_MESSAGE', /^invalid message: text is required$/],
    [{ type: 'echo', text: 'way too long text' }, 'INVALID_MESSAGE', /text must NOT have more than 10 characters/],
    [{ type: 'echo', text: 'a', extra: 1 }, 'INVALID_MESSAGE', /extra is not allowed/],
    [{ type: 'boom' }, 'INTERNAL_ERROR', /^internal server error$/],
    [{ type: 'deny' }, 'FORBIDDEN', /^not today$/],
  ];
  for (const [frame, code, text] of cases) {
    c.send(frame);
    const err = await c.next('error');
    t.equal(err.code, code, `${JSON.stringify(frame)} → ${code}`);
    t.match(err.error, text);
    t.type(err.timestamp, 'number');
  }
  const err = await c.request({ type: 'nope', id: 'n1' });
  t.equal(err.code, 'UNKNOWN_TYPE');
  t.equal(err.id, 'n1', 'errors echo the request id');
  const pong = await c.request({ type: 'ping' });
  t.equal(pong.type, 'pong', 'session still works after errors');
  t.equal(c.closeCode, undefined, 'never closed');
});

t.test('oversize: soft limit answers TOO_LARGE, hard limit closes with 1009', async (t) => {
  const srv = await startTestServer({ plugins: [echo], config: { websocket: { maxMessageSize: 1000, hardMaxMessageSize: 4000 } } });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  c.send({ type: 'echo', text: 'x'.repeat(2000) });
  const err = await c.next('error');
  t.equal(err.code, 'TOO_LARGE');
  t.equal(err.error, 'message too large');
  t.equal((await c.request({ type: 'ping' })).type, 'pong', 'still open after a soft oversize');
  c.send('y'.repeat(5000));
  const closed = await c.closed;
  t.equal(closed.code, 1009, 'hard limit closes with 1009');
});

t.test('rate limit: RATE_LIMITED errors, then close 4429 on sustained abuse', async (t) => {
  const srv = await startTestServer({ config: { websocket: { rateLimit: { messagesPerSecond: 5, burst: 5, maxViolations: 3 } } } });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  for (let i = 0; i < 12; i++) c.send({ type: 'ping' });
  const closed = await c.closed;
  t.equal(closed.code, 4429);
  const pongs = c.history.filter((f) => f.type === 'pong').length;
  const limited = c.history.filter((f) => f.type === 'error' && f.code === 'RATE_LIMITED').length;
  t.equal(pongs, 5, 'the burst is served');
  t.equal(limited, 3, 'then every refused frame is answered until the limit of violations');
});

t.test('rate limit refills over time', async (t) => {
  const srv = await startTestServer({ config: { websocket: { rateLimit: { messagesPerSecond: 20, burst: 2, maxViolations: 100 } } } });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  for (let i = 0; i < 3; i++) c.send({ type: 'ping' });
  t.equal((await c.next('error')).code, 'RATE_LIMITED');
  await new Promise((r) => setTimeout(r, 200));
  t.equal((await c.request({ type: 'ping' })).type, 'pong', 'tokens came back');
});

t.test('binary frames go through the same pipeline', async (t) => {
  const srv = await startTestServer();
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  c.ws.send(Buffer.from(JSON.stringify({ type: 'ping', id: 'b' })), { binary: true });
  t.equal((await c.next('pong')).id, 'b');
  c.ws.send(Buffer.from([0xff, 0xfe]), { binary: true });
  t.equal((await c.next('error')).code, 'INVALID_JSON');
  t.equal(c.ws.readyState, WebSocket.OPEN);
});

t.test('request ids: strings and numbers are echoed (numbers as strings); anything else is refused for every message', async (t) => {
  const srv = await startTestServer({ plugins: [echo] });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  c.send({ type: 'ping', id: 'p1' });
  t.equal((await c.next('pong')).id, 'p1');
  c.send({ type: 'ping', id: 7 });
  t.equal((await c.next('pong')).id, '7');
  for (const [frame, why] of [
    [{ type: 'ping', id: { $gt: 1 } }, /id must be a string or a number/],
    [{ type: 'heartbeat', id: [1, 2] }, /id must be a string or a number/],
    [{ type: 'echo', text: 'a', id: true }, /id must be a string or a number/],
    [{ type: 'ping', id: 'x'.repeat(300) }, /id must be at most 256 characters/],
  ] as const) {
    c.send(frame);
    const err = await c.next('error');
    t.equal(err.code, 'INVALID_MESSAGE');
    t.match(err.error, why);
    t.equal(err.id, undefined, 'the bad id is not echoed');
    t.ok(await c.expectNone('pong', 50), 'and the message is not handled');
  }
  t.equal((await c.request({ type: 'ping' })).type, 'pong', 'the session stays open');
});

t.test('pathological JSON: nesting deeper than 64 levels is INVALID_MESSAGE, with no error log', async (t) => {
  let logged = '';
  const { pino } = await import('pino');
  const { Writable } = await import('node:stream');
  const logger = pino({ level: 'debug' }, new Writable({ write(chunk, _e, cb) { logged += String(chunk); cb(); } }));
  const srv = await startTestServer({ plugins: [echo], logger, config: { logLevel: 'debug' } });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  const deep = (n: number) => `{"type":"ping","x":${'['.repeat(n)}${']'.repeat(n)}}`;
  c.send(deep(100_000));
  const err = await c.next('error');
  t.same([err.code, err.error], ['INVALID_MESSAGE', 'invalid message: JSON nested deeper than 64 levels']);
  c.send(deep(62));
  const ok62 = await c.next(); t.equal(ok62.type, "pong", `64 levels (the message object included) are fine: ${JSON.stringify(ok62)}`);
  c.send(JSON.stringify({ type: 'ping', s: `${'['.repeat(70)}"]]]` }));
  t.equal((await c.next('pong')).type, 'pong', 'brackets inside strings (and escaped quotes) do not count');
  t.notMatch(logged, /"level":50/, 'nothing logged as an error');
});

t.test('oversize frames cost rate-limit tokens like any other', async (t) => {
  const srv = await startTestServer({ config: { websocket: { maxMessageSize: 100, hardMaxMessageSize: 10_000, rateLimit: { messagesPerSecond: 5, burst: 5, maxViolations: 3 } } } });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  const big = JSON.stringify({ type: 'ping', pad: 'x'.repeat(200) });
  for (let i = 0; i < 20; i++) c.send(big);
  const code = await new Promise<number>((resolve) => c.ws.once('close', (cc: number) => resolve(cc)));
  t.equal(code, 4429, 'a flood of oversize frames is closed like any flood');
  t.ok(c.history.some((f) => f.code === 'TOO_LARGE'), 'the first ones were TOO_LARGE');
  t.ok(c.history.some((f) => f.code === 'RATE_LIMITED'), 'then RATE_LIMITED');
});

t.test('a route decode: its own conventions on its route only; a decode that throws fails the frame, not the server', async (t) => {
  const routes = definePlugin({
    name: 'route-decode',
    version: '1.0.0',
    kernel: '^0.2.0',
    register(ctx) {
      ctx.routes.ws('/ws/verbs', { decode: (raw) => (typeof raw.type !== 'string' && typeof raw.verb === 'string' ? { ...raw, type: raw.verb } : raw) });
      ctx.routes.ws('/ws/broken', { decode: (raw) => { if (raw.explode) throw new Error('decoder bug'); return raw; } });
    },
  });
  const srv = await startTestServer({ plugins: [routes] });
  t.teardown(() => srv.stop());
  const verbs = await srv.connect('/ws/verbs');
  t.equal((await verbs.request({ verb: 'ping' })).type, 'pong', 'the route reads `verb` as the type');
  t.equal((await verbs.request({ type: 'ping', verb: 'nope' })).type, 'pong', 'a frame with a type keeps it');
  const plain = await srv.connect('/ws');
  const refused = await plain.request({ verb: 'ping' });
  t.equal(refused.code, 'INVALID_MESSAGE', 'not on other routes');
  const entityStyle = await plain.request({ action: 'ping' });
  t.match(entityStyle.error, /type is required/, "the entity routes' `action` is theirs alone: on /ws it is no type");
  const broken = await srv.connect('/ws/broken');
  const err = await broken.request({ type: 'ping', explode: true });
  t.equal(err.code, 'INTERNAL_ERROR', 'a throwing decode answers INTERNAL_ERROR');
  t.equal((await broken.request({ type: 'ping' })).type, 'pong', 'and the session goes on');
  t.equal((await plain.request({ type: 'ping' })).type, 'pong', 'so does everyone else');
});
