/**
 * The production topology, short: two instances behind a real HAProxy (health-checked), Redis
 * behind Sentinel (REDIS_URL's redis-server binaries: a master, a replica, three sentinels), 200
 * clients of the client library in ten history rooms. During the run one instance is restarted
 * (drained with 1012, started again on its port) and Redis fails over. Every message whose
 * publish was accepted reaches every client of its room once, in order.
 *
 * Before killing the master the test waits until the replica has every write (`WAIT`): a write the
 * old master never replicated is lost in a failover (asynchronous replication; history rooms then
 * start a new epoch — the history plugin's README). Publishes refused meanwhile (`UNAVAILABLE`)
 * were not accepted and are not expected.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startTestServer, until, type TestClient, type TestServer } from '@actorwire/testing';
import authPlugin from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import history from '@actorwire/plugin-history';
import redisPubSub from '@actorwire/plugin-redis-pubsub';
import type { ActorwireClient, BaseFrame } from '../src/index.js';
import { SECRET, client, jwt } from './support.js';

interface SentinelGroup {
  name: string;
  sentinels: string[];
  master: { port: number; kill(): Promise<void> };
  replica: { port: number };
  masterPort(): Promise<number | undefined>;
  stop(): Promise<void>;
}
const services = (await import(fileURLToPath(new URL('../../scripts/services/redis.mjs', import.meta.url)))) as { startSentinelGroup(): Promise<SentinelGroup> };

interface Haproxy { port: number; stop(): Promise<void> }
const haproxy = (await import(fileURLToPath(new URL('../../scripts/services/haproxy.mjs', import.meta.url)))) as {
  haproxyInstalled(): boolean;
  startHaproxy(opts: { backends: number[]; healthCheck?: boolean }): Promise<Haproxy>;
};
const { freePorts } = (await import(fileURLToPath(new URL('../../scripts/services/_common.mjs', import.meta.url)))) as { freePorts(n: number): Promise<number[]> };

const ROOMS = Array.from({ length: 10 }, (_, i) => `chat-${i}`);
const CLIENTS = 200;

t.test('200 clients through a rolling restart and a Redis failover: every accepted message once, in order', async (t) => {
  t.equal(haproxy.haproxyInstalled(), true, 'haproxy is installed (apt-get install haproxy)');
  const group = await services.startSentinelGroup();
  t.teardown(() => group.stop());
  const keyPrefix = `tp${randomBytes(4).toString('hex')}:`;
  const instance = (port = 0) => startTestServer({
    config: { port, drainGrace: 2000, websocket: { rateLimit: { messagesPerSecond: 0 }, maxConnections: 1000 } },
    plugins: [
      [authPlugin, { secret: SECRET }], rooms,
      [redisPubSub, { sentinels: group.sentinels, sentinelName: group.name, keyPrefix, presenceHeartbeat: 500, presenceTtl: 5000, retryBase: 50, retryMax: 300 }],
      [history, { rooms: [{ pattern: 'chat-*', size: 10_000 }] }],
    ],
  });
  const nodes: TestServer[] = [await instance(), await instance()];
  t.teardown(async () => { for (const n of nodes) await n.stop(); });
  // The third backend is where instance 1 comes back (a new process on its own port, as a restart is).
  const spare = (await freePorts(1))[0]!;
  const proxy = await haproxy.startHaproxy({ backends: [...nodes.map((n) => n.port), spare], healthCheck: true });
  t.teardown(() => proxy.stop());
  const proxyPort = proxy.port;

  // 200 clients through the proxy, twenty per room.
  const clients: Array<{ c: ActorwireClient; room: string; got: number[] }> = [];
  t.teardown(() => { for (const { c } of clients) c.close(); });
  for (let i = 0; i < CLIENTS; i++) {
    const room = ROOMS[i % ROOMS.length]!;
    const c = client({ url: `ws://127.0.0.1:${proxyPort}/ws`, token: () => jwt(`u${i}`) });
    const entry = { c, room, got: [] as number[] };
    const sub = c.subscribe(room, (f: BaseFrame) => { if (f.type === 'message') entry.got.push((f as BaseFrame & { data: number }).data); });
    clients.push(entry);
    await until(async () => c.connect().then(() => true, () => false), 10_000, `client ${i} connected`);
    await sub.ready;
  }
  t.pass(`${CLIENTS} clients subscribed through haproxy`);

  // One publisher per room on instance 2 (the one that is not restarted), numbering its messages.
  const publishers: TestClient[] = [];
  for (const room of ROOMS) {
    const p = await nodes[1]!.connect(`/ws?token=${await jwt(`pub-${room}`)}`);
    await p.request({ type: 'subscribe', room });
    publishers.push(p);
  }
  let next = 0;
  let publishing = true;
  const sent: number[] = [];
  /** Publish a numbered message every 2 ms, round the rooms, until `publishing` goes false. */
  const pumping = async () => {
    while (publishing) {
      const n = next++;
      sent.push(n);
      publishers[n % ROOMS.length]!.send({ type: 'publish', room: ROOMS[n % ROOMS.length], id: `m${n}`, data: n });
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  const pump = pumping();
  const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await settle(500);

  // A rolling restart of instance 1: drained (1012), then a new process takes the spare backend.
  await nodes[0]!.stop();
  nodes[0] = await instance(spare);
  await settle(1000);
  t.pass('instance 1 restarted');

  // A Sentinel failover, once the replica has every write.
  publishing = false;
  await pump;
  const master = new Redis({ port: group.master.port, lazyConnect: true, maxRetriesPerRequest: 1 });
  await master.connect();
  await master.call('WAIT', '1', '5000');
  master.disconnect();
  publishing = true;
  const pump2 = pumping();
  await group.master.kill();
  await until(async () => (await group.masterPort()) === group.replica.port, 20_000, 'Sentinel promoted the replica');
  await until(async () => {
    const bodies = await Promise.all(nodes.map((n) => fetch(`${n.httpBase}/health`, { headers: { connection: 'close' } }).then((r) => r.json() as Promise<any>)));
    return bodies.every((b) => b.components.redis?.status === 'up');
  }, 20_000, 'both instances on the new master');
  // Two hundred more after the failover, however slowly this machine publishes them.
  const recovered = next;
  await until(() => next >= recovered + 200, 30_000, 'publishes after the failover');
  publishing = false;
  await pump2;
  for (const p of publishers) await p.request({ type: 'ping' });

  // Accepted: every publish that was not answered with an error.
  const refused = new Set(publishers.flatMap((p) => p.history.filter((f) => f.type === 'error').map((f) => f.id as string)));
  const accepted = (room: string) => sent.filter((n) => ROOMS[n % ROOMS.length] === room && !refused.has(`m${n}`));
  const acceptedAfter = sent.filter((n) => n >= recovered && !refused.has(`m${n}`)).length;
  t.ok(acceptedAfter > 0, `publishing resumed on the new master: ${acceptedAfter} of the 200+ published after it accepted (${sent.length} published in all, ${refused.size} refused while Redis failed over)`);
  await until(() => clients.every(({ room, got }) => got.length >= accepted(room).length), 30_000, 'every client has every accepted message of its room');
  let exact = 0;
  for (const { room, got } of clients) if (JSON.stringify(got) === JSON.stringify(accepted(room))) exact++;
  t.equal(exact, CLIENTS, 'every client: every accepted message of its room, once, in order — none lost, none duplicated');
});
