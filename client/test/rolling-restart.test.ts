/**
 * A rolling restart that loses nothing: two instances on the real Redis (REDIS_URL; rooms with
 * history in Redis Streams) behind a real HAProxy (Debian's `haproxy`, health-checked) and behind
 * a real nginx (deploy/nginx.conf: a draining instance's 503 sends the upgrade on). The
 * instance the client is on drains (as on SIGTERM): the client library is closed with 1012,
 * reconnects at once through the proxy to the other instance, and recovers from its history
 * position — every message published meanwhile arrives once, in order.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startTestServer, until, type TestServer } from '@actorwire/testing';
import authPlugin from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import history from '@actorwire/plugin-history';
import redisPubSub from '@actorwire/plugin-redis-pubsub';
import type { BaseFrame } from '../src/index.js';
import { SECRET, client, jwt, next } from './support.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Proxy { name: string; package: string; installed(): boolean; start(opts: { backends: number[]; healthCheck?: boolean }): Promise<{ port: number; stop(): Promise<void> }> }
const { proxies } = (await import(fileURLToPath(new URL('../../scripts/services/proxies.mjs', import.meta.url)))) as { proxies: Proxy[] };

for (const kind of proxies) t.test(`behind ${kind.name}: the client's instance drains: 1012, an immediate reconnect to the other one, every message once`, async (t) => {
  t.equal(kind.installed(), true, `${kind.name} is installed (apt-get install ${kind.package}; .ci/run installs it)`);
  const keyPrefix = `rr${randomBytes(4).toString('hex')}:`;
  const instance = () => startTestServer({
    config: { websocket: { rateLimit: { messagesPerSecond: 0 } } },
    plugins: [
      [authPlugin, { secret: SECRET }], rooms,
      [redisPubSub, { url: REDIS_URL, keyPrefix, presenceHeartbeat: 500, presenceTtl: 5000, retryBase: 50, retryMax: 300 }],
      [history, { rooms: [{ pattern: 'chat-*', size: 1000 }] }],
    ],
  });
  const nodes: TestServer[] = [await instance(), await instance()];
  t.teardown(async () => { for (const n of nodes) await n.stop(); });
  const proxy = await kind.start({ backends: nodes.map((n) => n.port), healthCheck: true });
  t.teardown(() => proxy.stop());
  const port = proxy.port;

  const c = client({ url: `ws://127.0.0.1:${port}/ws`, token: () => jwt('alice') });
  t.teardown(() => c.close());
  const got: BaseFrame[] = [];
  const sub = c.subscribe('chat-1', (f) => { if (f.type === 'message') got.push(f); });
  await until(async () => {
    try {
      await c.connect();
      return true;
    } catch {
      return false;
    }
  }, 10_000, `connected through ${kind.name}`);
  await sub.ready;
  const draining = nodes.find((n) => n.kernel.services.get('sessions').count() === 1)!;
  const staying = nodes.find((n) => n !== draining)!;
  t.ok(draining && staying, 'the client is on one of the two instances');

  // A publisher on the instance that stays, publishing throughout.
  const bob = await staying.connect(`/ws?token=${await jwt('bob')}`);
  await bob.request({ type: 'subscribe', room: 'chat-1' });
  let n = 0;
  const publishing = setInterval(() => bob.send({ type: 'publish', room: 'chat-1', data: n++ }), 5);
  t.teardown(() => clearInterval(publishing));
  await until(() => got.length >= 20, 5000, 'live messages before the drain');

  const disconnected = next(c, 'disconnected', 10_000);
  const resubscribed = next(c, 'resubscribed', 15_000);
  const stopping = draining.stop();
  const d = await disconnected;
  t.match(d, { code: 1012, willReconnect: true }, 'the draining instance says: reconnect at once');
  t.same(await resubscribed, { room: 'chat-1', recovered: true }, 'recovered from its history position on the other instance');
  await stopping;
  t.equal(staying.kernel.services.get('sessions').count(), 2, 'the client is now on the instance that stayed');
  const target = n + 20;
  await until(() => got.length >= target, 10_000, 'messages after the reconnect');
  clearInterval(publishing);
  await bob.request({ type: 'ping' });
  const last = n;
  await until(() => got.length === last, 10_000, `all ${last} messages`);
  t.same(got.map((f) => f.data), Array.from({ length: last }, (_, i) => i), `every one of ${last} messages once, in order, across the drain`);
});
