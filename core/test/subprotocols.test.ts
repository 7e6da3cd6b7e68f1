/**
 * Subprotocols and dialects at the upgrade: the server echoes only a subprotocol it speaks (a
 * dialect's, the canonical `actorwire`, or one a hook chose); an unknown `actorwire.*`
 * subprotocol, or a `?dialect=` no loaded plugin defines, is a 400 UNKNOWN_DIALECT — with or
 * without the dialects plugin.
 */
import t from 'tap';
import { request } from 'node:http';
import { definePlugin } from '../src/index.js';
import { startTestServer } from '@actorwire/testing';

/** A raw upgrade request: the status and the echoed subprotocol, without a client that would judge them. */
function upgrade(port: number, path: string, protocols?: string): Promise<{ status: number; protocol: string | undefined; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path, agent: false,
      headers: {
        connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...(protocols !== undefined ? { 'sec-websocket-protocol': protocols } : {}),
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, protocol: res.headers['sec-websocket-protocol'] as string | undefined, body: undefined });
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, protocol: undefined, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

const withDialect = definePlugin({
  name: 'one-dialect', version: '1.0.0', kernel: '^0.2.0',
  register(ctx) {
    ctx.dialects.define({ name: 'upper', subprotocols: ['actorwire.upper'], encode: (f) => JSON.stringify(f) });
  },
});

for (const [label, plugins] of [['without dialects', []], ['with a dialect', [withDialect]]] as const) {
  t.test(`${label}: only supported subprotocols are echoed; unknown dialects are refused`, async (t) => {
    const srv = await startTestServer({ plugins: [...plugins] });
    t.teardown(() => srv.stop());
    const many = Array.from({ length: 200 }, (_, i) => `p${i}`).join(', ');
    const offered = await upgrade(srv.port, '/ws', many);
    t.equal(offered.status, 101, '200 unknown plain subprotocols: the upgrade goes on');
    t.equal(offered.protocol, undefined, 'none of them is echoed');
    const proto = await upgrade(srv.port, '/ws', 'actorwire.__proto__');
    t.equal(proto.status, 400);
    t.equal(proto.body.code, 'UNKNOWN_DIALECT');
    const nope = await upgrade(srv.port, '/ws', 'actorwire.nope');
    t.equal(nope.status, 400);
    t.equal(nope.body.code, 'UNKNOWN_DIALECT');
    const canonical = await upgrade(srv.port, '/ws', 'x-other, actorwire');
    t.equal(canonical.status, 101);
    t.equal(canonical.protocol, 'actorwire', 'the canonical protocol is echoed');
    const gateway = await upgrade(srv.port, '/ws?dialect=gateway');
    t.equal(gateway.status, 400, '?dialect=gateway without a plugin defining it');
    t.equal(gateway.body.code, 'UNKNOWN_DIALECT');
    const plain = await upgrade(srv.port, '/ws?dialect=actorwire');
    t.equal(plain.status, 101);
    if (plugins.length > 0) {
      const upper = await upgrade(srv.port, '/ws', 'actorwire.nope, actorwire.upper');
      t.equal(upper.status, 101, 'a known dialect among the offers wins');
      t.equal(upper.protocol, 'actorwire.upper');
    }
  });
}
