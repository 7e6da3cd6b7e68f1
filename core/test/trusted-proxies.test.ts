/**
 * The client's address behind proxies (ACTORWIRE_TRUSTED_PROXIES): the header chain rules, a
 * client that spoofs `X-Forwarded-For` without a trusted proxy (nothing changes), and a real
 * HAProxy (Debian's `haproxy`, `option forwardfor`) and a real nginx (deploy/nginx.conf) in front
 * of a server whose per-IP limit then applies per client, with the address in `HttpRequest.ip`.
 */
import t from 'tap';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { definePlugin, isKernelError } from '../src/index.js';
import { TrustedProxies } from '../src/server/client-address.js';
import { startTestServer, until, type TestServer } from '@actorwire/testing';

t.test('the chain: right-most hop that is not a trusted proxy; headers from anyone else are ignored', async (t) => {
  const p = new TrustedProxies(['127.0.0.1', '10.0.0.0/8', '2001:db8::/32']);
  t.equal(p.clientOf('203.0.113.7', { 'x-forwarded-for': '1.2.3.4' }), '203.0.113.7', 'an untrusted peer: its own address, whatever it claims');
  t.equal(p.clientOf('127.0.0.1', {}), '127.0.0.1', 'a trusted peer without headers');
  t.equal(p.clientOf('127.0.0.1', { 'x-forwarded-for': '198.51.100.9' }), '198.51.100.9');
  t.equal(p.clientOf('127.0.0.1', { 'x-forwarded-for': '6.6.6.6, 198.51.100.9, 10.1.2.3' }), '198.51.100.9', 'through two proxies; the made-up left part is not believed');
  t.equal(p.clientOf('127.0.0.1', { 'x-forwarded-for': '10.0.0.5, 10.1.2.3' }), '10.0.0.5', 'every hop trusted: the left-most');
  t.equal(p.clientOf('127.0.0.1', { 'x-forwarded-for': 'unknown, 10.1.2.3' }), '10.1.2.3', 'a hop that is no address ends the walk');
  t.equal(p.clientOf('127.0.0.1', { 'x-forwarded-for': '198.51.100.9:5555' }), '198.51.100.9', 'a port is dropped');
  t.equal(p.clientOf('::ffff:127.0.0.1', { forwarded: 'for="[2001:db8::1]:4711", for=192.0.2.60;proto=https;by=10.0.0.1' }), '192.0.2.60', 'Forwarded (RFC 7239) wins, brackets and quotes understood');
  t.equal(p.clientOf('127.0.0.1', { forwarded: 'for="[2001:db9::1]:4711"', 'x-forwarded-for': '198.51.100.9' }), '2001:db9::1');
  t.equal(p.clientOf('127.0.0.1', { 'x-forwarded-for': `${'9.9.9.9, '.repeat(1000)}198.51.100.9` }), '198.51.100.9', 'a long chain is read from the right only');
  t.equal(new TrustedProxies([]).clientOf('127.0.0.1', { 'x-forwarded-for': '1.2.3.4' }), '127.0.0.1', 'none configured: nobody is believed');
  for (const bad of ['10.0.0.0/33', 'example.com', '::1/129', '10.0.0.0/x']) {
    let err: unknown;
    try {
      new TrustedProxies([bad]);
    } catch (e) {
      err = e;
    }
    t.ok(isKernelError(err) && (err as { subject?: string }).subject === 'ACTORWIRE_TRUSTED_PROXIES', `${bad} is refused at startup, naming the variable`);
  }
});

/** A plugin answering `GET /whoami` with the request's client address. */
const whoami = definePlugin({ name: 'whoami', version: '1.0.0', kernel: '^0.2.0', register: (ctx) => ctx.routes.http('get', '/whoami', (req) => ({ ip: req.ip })) });

function upgrade(url: string, headers: Record<string, string> = {}, localAddress?: string): Promise<{ status: number; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers, ...(localAddress ? { localAddress } : {}) });
    ws.once('open', () => resolve({ status: 101, ws }));
    ws.once('unexpected-response', (_req, res) => { res.resume(); resolve({ status: res.statusCode ?? 0 }); });
    ws.once('error', () => resolve({ status: 0 }));
  });
}

function get(url: string, localAddress?: string, headers: Record<string, string> = {}): Promise<any> {
  return new Promise((resolve, reject) => {
    request(url, { localAddress, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve(JSON.parse(text)));
    }).on('error', reject).end();
  });
}

t.test('spoofing without a trusted proxy changes nothing: one address, one connection', async (t) => {
  const srv = await startTestServer({ plugins: [whoami], config: { websocket: { maxConnectionsPerIp: 1 } } });
  t.teardown(() => srv.stop());
  const first = await upgrade(`${srv.wsBase}/ws`, { 'x-forwarded-for': '198.51.100.1' });
  t.equal(first.status, 101);
  const second = await upgrade(`${srv.wsBase}/ws`, { 'x-forwarded-for': '198.51.100.2' });
  t.equal(second.status, 429, 'a different X-Forwarded-For does not make another client');
  t.same(await get(`${srv.httpBase}/whoami`, undefined, { 'x-forwarded-for': '198.51.100.2' }), { ip: '127.0.0.1' });
  first.ws?.terminate();
});

interface Proxy { name: string; package: string; installed(): boolean; start(opts: { backends: number[] }): Promise<{ port: number; stop(): Promise<void> }> }
const { proxies } = (await import(fileURLToPath(new URL('../../scripts/services/proxies.mjs', import.meta.url)))) as { proxies: Proxy[] };

for (const kind of proxies) {
  t.test(`behind a real ${kind.name}: each client its own address, for the per-IP limit and for routes`, async (t) => {
    t.equal(kind.installed(), true, `${kind.name} is installed (apt-get install ${kind.package}; .ci/run installs it)`);
    const srv: TestServer = await startTestServer({ plugins: [whoami], config: { trustedProxies: ['127.0.0.1'], websocket: { maxConnectionsPerIp: 1 } } });
    t.teardown(() => srv.stop());
    const proxy = await kind.start({ backends: [srv.port] });
    t.teardown(() => proxy.stop());
    const port = proxy.port;
    const via = `ws://127.0.0.1:${port}/ws`;
    await until(async () => (await get(`http://127.0.0.1:${port}/whoami`).catch(() => undefined)) !== undefined, 5000, `${kind.name} forwards`);

    // Two clients on their own loopback addresses: the proxy appends each one's address.
    t.same(await get(`http://127.0.0.1:${port}/whoami`, '127.0.0.2'), { ip: '127.0.0.2' }, 'the route sees the client, not the proxy');
    t.same(await get(`http://127.0.0.1:${port}/whoami`, '127.0.0.3', { 'x-forwarded-for': '6.6.6.6' }), { ip: '127.0.0.3' }, 'what the client claimed left of its own hop is not believed');
    const a = await upgrade(via, {}, '127.0.0.2');
    const b = await upgrade(via, {}, '127.0.0.3');
    t.equal(a.status, 101);
    t.equal(b.status, 101, 'another client behind the same proxy is not counted as the first');
    const again = await upgrade(via, {}, '127.0.0.2');
    t.equal(again.status, 429, 'the per-IP limit holds per client');
    a.ws?.terminate();
    b.ws?.terminate();
  });
}
