/**
 * Upgrades that complete after an await (an async onUpgrade hook). uWS's `res.cork()` epilogue
 * can shut a freshly adopted WebSocket down right after `open` (uNetworking/uWebSockets#1928), so
 * the kernel upgrades under another socket's cork (its loopback anchor); and a request whose Connection header
 * lacks the `upgrade` token (RFC 6455 §4.2.1) is refused before any of that, since uWS would
 * close such a socket as soon as its 101 is written.
 */
import net from 'node:net';
import t from 'tap';
import { definePlugin } from '../src/index.js';
import { startTestServer } from '../src/testing/index.js';

const slowGate = definePlugin({
  name: 'slow-gate', version: '1.0.0', kernel: '^0.1.0',
  register(ctx) {
    ctx.hooks.on('onUpgrade', async () => { await new Promise((r) => setTimeout(r, 5)); });
  },
});

interface RawResult { text: string; ended: boolean; pong: boolean }

/** A raw handshake with the given Connection header, then one `ping` frame; what came back within `ms`. */
function rawUpgrade(port: number, connection: string | undefined, ms: number): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let ended = false;
    let sentPing = false;
    sock.on('error', reject);
    sock.on('end', () => { ended = true; });
    sock.on('connect', () => {
      const lines = ['GET /ws HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Upgrade: websocket'];
      if (connection !== undefined) lines.push(`Connection: ${connection}`);
      lines.push('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', '', '');
      sock.write(lines.join('\r\n'));
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!sentPing && buf.toString('latin1').startsWith('HTTP/1.1 101') && buf.includes('\r\n\r\n')) {
        sentPing = true;
        const payload = Buffer.from('{"type":"ping","id":"raw"}');
        const mask = Buffer.from([1, 2, 3, 4]);
        const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
        sock.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
      }
    });
    setTimeout(() => {
      const text = buf.toString('latin1');
      sock.destroy();
      resolve({ text, ended, pong: text.includes('"type":"pong"') });
    }, ms);
  });
}

t.test('async upgrades: working sockets, whatever Connection header spelling carries the token', async (t) => {
  const srv = await startTestServer({ plugins: [slowGate] });
  t.teardown(() => srv.stop());
  const first = await srv.connect();
  for (const conn of ['Upgrade', 'keep-alive, Upgrade', 'upgrade']) {
    const r = await rawUpgrade(srv.port, conn, 150);
    t.match(r.text, /^HTTP\/1\.1 101/, `101 for "${conn}"`);
    t.equal(r.ended, false, `the server did not hang up ("${conn}")`);
    t.ok(r.pong, `the socket answers a frame ("${conn}")`);
  }
  t.equal((await first.request({ type: 'ping' })).type, 'pong', 'the session whose cork was borrowed is unaffected');
});

t.test('Connection without the upgrade token → 400 before any hook, and the server lives on', async (t) => {
  let hookRuns = 0;
  const counting = definePlugin({
    name: 'counting', version: '1.0.0', kernel: '^0.1.0',
    register(ctx) { ctx.hooks.on('onUpgrade', async () => { hookRuns++; }); },
  });
  const srv = await startTestServer({ plugins: [counting] });
  t.teardown(() => srv.stop());
  const open = await srv.connect();
  const before = hookRuns;
  for (const conn of ['close', 'keep-alive', undefined]) {
    const r = await rawUpgrade(srv.port, conn, 100);
    t.match(r.text, /^HTTP\/1\.1 400/, `400 for Connection: ${conn ?? '(absent)'}`);
    t.match(r.text, /Connection: Upgrade/, 'the body says what is needed');
  }
  t.equal(hookRuns, before, 'refused before onUpgrade hooks');
  t.equal((await open.request({ type: 'ping' })).type, 'pong', 'other sessions unaffected');
  const again = await srv.connect();
  t.equal((await again.request({ type: 'ping' })).type, 'pong', 'new upgrades still work');
});

t.test('100 simultaneous async upgrades to a fresh server: every socket stays open and answers', async (t) => {
  // Upgraded inside their own res.cork(), several in 100 of these were shut down right after open.
  for (let round = 0; round < 3; round++) {
    const srv = await startTestServer({ plugins: [slowGate] });
    const clients = await Promise.all(Array.from({ length: 100 }, () => srv.connect()));
    const answers = await Promise.allSettled(clients.map((c) => c.request({ type: 'ping' }, 3000)));
    const failed = answers.filter((a) => a.status === 'rejected').length;
    t.equal(failed, 0, `round ${round}: every one of 100 sessions answered`);
    await srv.stop();
  }
});

t.test('upgrade headers named like Object.prototype members are plain names to hooks', async (t) => {
  const seen: Record<string, unknown>[] = [];
  const spy = definePlugin({
    name: 'header-spy',
    version: '1.0.0',
    kernel: '^0.1.0',
    register(ctx) {
      ctx.hooks.on('onUpgrade', (req) => {
        seen.push({ proto: Object.getPrototypeOf(req.headers), ctor: req.headers.constructor, valueOf: req.headers.valueOf, x: req.headers['x-test'] });
      });
    },
  });
  const srv = await startTestServer({ plugins: [spy] });
  t.teardown(() => srv.stop());
  const c = await srv.connect('/ws', { headers: { constructor: 'c', 'x-test': 'ok' } });
  t.equal((await c.request({ type: 'ping' })).type, 'pong', 'the connection works');
  t.same(seen[0], { proto: null, ctor: 'c', valueOf: undefined, x: 'ok' }, 'a null-prototype map of what the client sent: a header not sent is undefined, not an inherited function');
});
