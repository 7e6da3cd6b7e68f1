/**
 * `npm run soak -- --topology` (not in CI): the production topology under load for
 * `SOAK_MINUTES` (default 10). Three `actorwire` processes (server/dist/bin.js) behind real
 * HAProxy processes (health-checked on /health, leastconn; one per 8,000 clients, since a process
 * here may hold at most 20,000 open files), Redis behind Sentinel (a master, a replica and
 * three sentinels), a Kafka broker; `SOAK_CLIENTS` (default 10,000) clients of the client library
 * in 100 history rooms (one of each room's members publishes its numbered messages), and
 * `SOAK_VIEWERS` (default 300) snapshot viewers on 10 sections, refreshed by Kafka records.
 *
 * During the run: a rolling restart of every instance (SIGTERM → drain: `reconnect`, then 1012 → a new process
 * on the same port), a Redis master kill (Sentinel promotes the replica) and a Kafka broker
 * restart. Every 30 s a row: connections, messages published / accepted, deliveries expected and
 * received, lost and duplicated, `recovered: false`, publish → delivery p50/p99, snapshot refreshes
 * due / on time / stale, and each instance's RSS.
 *
 * Counting. Clients never leave their room, so every accepted message of a room must reach each
 * of its members once, in order, whatever happens under them. A message is *accepted* when
 * anyone received it (its publisher is a member too and gets it back); one nobody ever got was
 * lost before the server took it (in flight to an instance that was draining) and is counted
 * apart, as are publishes the server refused with an error naming them (`UNAVAILABLE` while Redis
 * fails over: the publisher is told). Deliveries are settled 15 s after their publish. A change to a section is *due* at every
 * viewer of the section once its Kafka record is acknowledged; a viewer that has not seen that
 * version (pushed, or answered to its own `list` after a reconnect) 30 s later is *stale*.
 *
 * Requires `npm run build`, redis-server, haproxy, Java 17 (the broker's jars are resolved by
 * scripts/services/kafka.mjs) and root or a high enough `ulimit -n` for HAProxy.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { startSentinelGroup } from './services/redis.mjs';
import { startKafkaBroker } from './services/kafka.mjs';
import { startHaproxy, haproxyInstalled } from './services/haproxy.mjs';
import { freePorts, rssMb } from './services/_common.mjs';

const requireFrom = (pkg) => createRequire(new URL(`../${pkg}/package.json`, import.meta.url));
const { Kafka, logLevel } = requireFrom('plugins/kafka')('kafkajs');
const { ActorwireClient, EntityView } = await import('../client/dist/index.js');

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 10_000);
const VIEWERS = Number(process.env.SOAK_VIEWERS ?? 300);
const INSTANCES = 3;
const ROOMS = 100;
const SECTIONS = 10;
const PUBLISH_EVERY_MS = 20;
const CHANGE_EVERY_MS = 2000;
const SAMPLE_EVERY_MS = 30_000;
const SETTLE_MS = 15_000;
const REFRESH_DEADLINE_MS = 30_000;
const SECRET = 'soak-topology-secret-0123456789-abcdefghijklmnop';
const TOPIC = 'restaurants.changed';

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : '–');
const log = (msg) => console.log(`[soak +${Math.round((Date.now() - started) / 1000)}s] ${msg}`);
const started = Date.now();

/* --------------------------------------------------------------------- the upstream REST service */

/** Each section's current version; the upstream answers it, Kafka records announce it. */
const versions = Array.from({ length: SECTIONS }, () => 1);
async function startUpstream() {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    const section = /^s(\d+)$/.exec(url.searchParams.get('section') ?? '');
    if (url.pathname !== '/restaurants' || !section || Number(section[1]) >= SECTIONS) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const s = Number(section[1]);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ section: `s${s}`, version: versions[s] }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

/* ------------------------------------------------------------------------------- the instances */

function startInstance(port, env) {
  const child = spawn(process.execPath, ['--max-semi-space-size=8', 'server/dist/bin.js'], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

async function healthy(port, deadlineMs = 120_000) {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health`, { headers: { connection: 'close' } });
      if (r.status === 200) return;
    } catch { /* not yet */ }
    await sleep(200);
  }
  throw new Error(`instance on ${port} not healthy within ${deadlineMs} ms`);
}

/** SIGTERM (the instance drains: 503 on /health, sessions closed with 1012), then a new process on its port. */
async function restartInstance(node, env) {
  const exited = new Promise((resolve) => node.child.once('exit', resolve));
  node.child.kill('SIGTERM');
  await exited;
  node.child = startInstance(node.port, env);
  await healthy(node.port);
}

/* --------------------------------------------------------------------------------- accounting */

const stats = {
  published: 0, settled: 0, accepted: 0, refused: 0, notAccepted: 0, expected: 0, received: 0, duplicated: 0,
  recoveredFalse: 0, resubscribed: 0, disconnects: 0, closes1012: 0, errors: 0,
  changes: 0, changesFailed: 0, refreshesDue: 0, refreshesOnTime: 0, refreshesStale: 0,
};
/** `${room}:${n}` → { at, got } for messages not yet settled (publish order). */
const messages = new Map();
let latencies = [];
let refreshLatencies = [];
/** Per section: changes acknowledged by Kafka, waiting for every viewer. */
const dues = Array.from({ length: SECTIONS }, () => []);

function member(room, c) {
  // Every message of `room` this client has seen (a bitmap by the room's message number).
  const entry = { room, seen: new Uint8Array(64) };
  c.on('disconnected', ({ code }) => { stats.disconnects++; if (code === 1012) stats.closes1012++; });
  c.on('resubscribed', ({ recovered }) => { stats.resubscribed++; if (!recovered) stats.recoveredFalse++; });
  c.on('error', () => { stats.errors++; });
  const onFrame = (f) => {
    if (f.type !== 'message' || typeof f.data?.n !== 'number') return;
    const { n, at } = f.data;
    if (n >= entry.seen.length * 8) {
      const grown = new Uint8Array(Math.max(entry.seen.length * 2, (n >> 3) + 64));
      grown.set(entry.seen);
      entry.seen = grown;
    }
    const bit = 1 << (n & 7);
    if (entry.seen[n >> 3] & bit) { stats.duplicated++; return; }
    entry.seen[n >> 3] |= bit;
    latencies.push(Date.now() - at);
    const m = messages.get(`${room}:${n}`);
    if (m) m.got++;
  };
  return { entry, onFrame };
}

function settle(now, members) {
  for (const [key, m] of messages) {
    if (now - m.at < SETTLE_MS) break;
    messages.delete(key);
    stats.settled++;
    if (m.refused) { stats.refused++; continue; }
    if (m.got === 0) { stats.notAccepted++; continue; }
    stats.accepted++;
    stats.expected += members;
    stats.received += m.got;
  }
  for (const list of dues) {
    while (list.length && now - list[0].at >= REFRESH_DEADLINE_MS) {
      const due = list.shift();
      stats.refreshesStale += due.pending.size;
    }
  }
}

function viewerSaw(viewer, version) {
  if (version <= viewer.version) return;
  viewer.version = version;
  const now = Date.now();
  for (const due of dues[viewer.section]) {
    if (due.version > version || !due.pending.delete(viewer)) continue;
    stats.refreshesOnTime++;
    refreshLatencies.push(now - due.at);
  }
}

/* --------------------------------------------------------------------------------------- run */

/** What was started, stopped in reverse order whatever happens (a failed start leaves nothing running). */
const cleanups = [];

export async function soakTopology() {
  try {
    return await run();
  } finally {
    for (const stop of cleanups.reverse()) await stop().catch((err) => log(`cleanup: ${err.message}`));
  }
}

async function run() {
  if (!haproxyInstalled()) throw new Error('haproxy is not installed (apt-get install haproxy)');
  log(`starting Redis + Sentinel, Kafka, the upstream, ${INSTANCES} instances and HAProxy (${Math.ceil((CLIENTS + VIEWERS) / 8000)} processes)`);
  const redis = await startSentinelGroup();
  cleanups.push(() => redis.stop());
  const kafkaBroker = await startKafkaBroker({ quiet: true });
  cleanups.push(() => kafkaBroker.stop());
  const upstream = await startUpstream();
  cleanups.push(() => upstream.close());
  const kafka = new Kafka({ clientId: 'soak', brokers: kafkaBroker.brokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 3, initialRetryTime: 200 } });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  cleanups.push(() => producer.disconnect());

  const env = {
    HOST: '127.0.0.1', JWT_SECRET: SECRET, LOG_LEVEL: 'warn',
    ACTORWIRE_PLUGINS: 'auth,rooms,redis-pubsub,history,kafka,snapshots',
    REDIS_SENTINELS: redis.sentinels.join(','), REDIS_SENTINEL_NAME: redis.name, REDIS_RETRY_MAX: '1s',
    HISTORY_ROOMS: 'soak-*=10000',
    KAFKA_BROKERS: kafkaBroker.brokers, KAFKA_GROUP_ID: 'soak', WS_ENTITY_TOPICS: `restaurants:${TOPIC}`,
    REST_BASE_URL: upstream.url, SNAPSHOTS_CACHE_TTL: '60s',
    ACTORWIRE_RATE_LIMIT: '0', WEBSOCKET_LIMITS_MAX_CONNECTIONS: '0', WEBSOCKET_LIMITS_MAX_UNAUTHENTICATED: '0',
  };
  const ports = await freePorts(INSTANCES);
  const nodes = ports.map((port) => ({ port, child: startInstance(port, env) }));
  cleanups.push(async () => {
    for (const n of nodes) n.child.kill('SIGTERM');
    await Promise.all(nodes.map((n) => new Promise((r) => (n.child.exitCode !== null || n.child.signalCode !== null ? r() : n.child.once('exit', r)))));
  });
  await Promise.all(ports.map((p) => healthy(p)));
  // HAProxy holds two descriptors per connection and no process here may hold more than the
  // hard limit of open files (20,000 on this machine kind): one proxy per 8,000 clients, as a
  // deployment runs several. Clients take them in turn.
  const proxies = [];
  for (let i = 0; i < Math.ceil((CLIENTS + VIEWERS) / 8000); i++) {
    const proxy = await startHaproxy({ backends: ports, healthCheck: true, maxconn: 8500 });
    cleanups.push(() => proxy.stop());
    await healthy(proxy.port);
    proxies.push(proxy);
  }
  const base = (id) => `ws://127.0.0.1:${proxies[id % proxies.length].port}`;

  const key = new TextEncoder().encode(SECRET);
  const token = (sub) => async () => new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('2h').sign(key);
  const options = { WebSocket, backoff: { baseDelay: 200, maxDelay: 5000 }, maxQueued: 10_000 };

  // History clients: room i % ROOMS; the first member of each room publishes.
  const clients = [];
  const viewers = [];
  cleanups.push(async () => {
    for (const { c } of clients) c.close();
    for (const v of viewers) v.client?.close();
  });
  const publishers = new Array(ROOMS);
  for (let i = 0; i < CLIENTS; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, CLIENTS - i) }, async (_, k) => {
      const id = i + k;
      const room = `soak-${id % ROOMS}`;
      const c = new ActorwireClient({ ...options, url: `${base(id)}/ws`, token: token(`u${id}`) });
      const { entry, onFrame } = member(room, c);
      const sub = c.subscribe(room, onFrame);
      await c.connect();
      await sub.ready;
      clients.push({ c, entry });
      if (id < ROOMS) {
        publishers[id] = { c, room, next: 0 };
        // A publish the server refuses (UNAVAILABLE while Redis fails over) answers with its id.
        c.on('error', (e) => {
          const m = /^p(\d+)$/.exec(String(e?.frame?.id ?? ''));
          const entry = m ? messages.get(`${room}:${m[1]}`) : undefined;
          if (entry) entry.refused = true;
        });
      }
    }));
  }
  log(`${clients.length} history clients subscribed in ${ROOMS} rooms`);

  // Snapshot viewers: section v % SECTIONS, each keeps the newest version it has seen.
  for (let i = 0; i < VIEWERS; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, VIEWERS - i) }, async (_, k) => {
      const id = i + k;
      const viewer = { section: id % SECTIONS, version: 0 };
      const c = new ActorwireClient({ ...options, url: `${base(id)}/ws/restaurants/s${viewer.section}`, token: token(`v${id}`), tokenIn: 'query' });
      const view = new EntityView(c, 'restaurants');
      view.onUpdate((f) => { if (typeof f.payload?.version === 'number') viewerSaw(viewer, f.payload.version); });
      // After every (re)connect the viewer reads the list once: a change pushed while it was away is not replayed.
      c.on('connected', () => { view.list().then((f) => viewerSaw(viewer, f.payload.version), () => { stats.errors++; }); });
      c.on('disconnected', () => { stats.disconnects++; });
      await c.connect();
      viewer.client = c;
      viewers.push(viewer);
    }));
  }
  log(`${viewers.length} snapshot viewers on ${SECTIONS} sections`);

  const members = CLIENTS / ROOMS;
  let sampleStart = Date.now();
  const header = ['t (s)', 'event', 'connected', 'published', 'accepted', 'refused (told)', 'lost in flight (untold)', 'deliveries expected', 'received', 'lost', 'duplicated', 'recovered:false', 'p50 (ms)', 'p99 (ms)', 'changes', 'refreshes due', 'on time', 'stale', 'refresh p99 (ms)', ...nodes.map((_, i) => `RSS ${i + 1} (MB)`)];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  const events = [];
  const row = () => {
    const now = Date.now();
    const sorted = latencies.sort((a, b) => a - b);
    const refresh = refreshLatencies.sort((a, b) => a - b);
    const connected = clients.filter(({ c }) => c.state === 'connected').length + viewers.filter((v) => v.client.state === 'connected').length;
    const lost = stats.expected - stats.received;
    console.log(`| ${Math.round((now - soakStart) / 1000)} | ${events.splice(0).join(', ') || '–'} | ${connected} | ${stats.published} | ${stats.accepted} | ${stats.refused} | ${stats.notAccepted} | ${stats.expected} | ${stats.received} | ${lost} | ${stats.duplicated} | ${stats.recoveredFalse} | ${percentile(sorted, 0.5)} | ${percentile(sorted, 0.99)} | ${stats.changes} | ${stats.refreshesDue} | ${stats.refreshesOnTime} | ${stats.refreshesStale} | ${percentile(refresh, 0.99)} | ${nodes.map((n) => rssMb(n.child.pid).toFixed(0)).join(' | ')} |`);
    latencies = [];
    refreshLatencies = [];
    sampleStart = now;
  };

  const soakStart = Date.now();
  const end = soakStart + MINUTES * 60_000;
  let turn = 0;
  const publishing = setInterval(() => {
    const p = publishers[turn++ % ROOMS];
    const n = p.next++;
    messages.set(`${p.room}:${n}`, { at: Date.now(), got: 0 });
    stats.published++;
    try {
      p.c.sendFrame({ type: 'publish', room: p.room, id: `p${n}`, data: { n, at: Date.now() } });
    } catch {
      stats.errors++; // QUEUE_FULL: never accepted, counted as such when settled
    }
  }, PUBLISH_EVERY_MS);
  let changing = true;
  const changes = (async () => {
    let k = 0;
    while (changing) {
      await sleep(CHANGE_EVERY_MS);
      const s = k++ % SECTIONS;
      const version = ++versions[s];
      try {
        await producer.send({ topic: TOPIC, messages: [{ key: `s${s}`, value: JSON.stringify({ section_id: `s${s}`, version }) }] });
        stats.changes++;
        const pending = new Set(viewers.filter((v) => v.section === s && v.version < version));
        stats.refreshesDue += viewers.filter((v) => v.section === s).length;
        stats.refreshesOnTime += viewers.filter((v) => v.section === s).length - pending.size;
        dues[s].push({ version, at: Date.now(), pending });
      } catch {
        stats.changesFailed++;
      }
    }
  })();

  // The events, spread over the run.
  const plan = [
    { at: 0.2, name: 'rolling restart', run: async () => {
      for (const node of nodes) { await restartInstance(node, env); await sleep(5000); }
    } },
    { at: 0.5, name: 'Redis master killed', run: async () => {
      await redis.master.kill();
      const deadline = Date.now() + 30_000;
      while ((await redis.masterPort()) !== redis.replica.port && Date.now() < deadline) await sleep(200);
    } },
    { at: 0.7, name: 'Kafka broker restarted', run: async () => { await kafkaBroker.restart(); } },
  ];
  let running = Promise.resolve();
  while (Date.now() < end) {
    await sleep(1000);
    const now = Date.now();
    settle(now, members);
    for (const step of plan) {
      if (step.done || now - soakStart < step.at * (end - soakStart)) continue;
      step.done = true;
      const t0 = Date.now();
      running = running.then(() => step.run()).then(
        () => { events.push(`${step.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`); log(`${step.name}: done in ${Date.now() - t0} ms`); },
        (err) => { events.push(`${step.name} FAILED`); log(`${step.name} failed: ${err.message}`); },
      );
    }
    if (now - sampleStart >= SAMPLE_EVERY_MS) row();
  }
  await running;
  clearInterval(publishing);
  changing = false;
  await changes;
  // Everything published is settled; the last changes get their full deadline.
  await sleep(REFRESH_DEADLINE_MS);
  settle(Date.now() + REFRESH_DEADLINE_MS, members);
  row();

  const lost = stats.expected - stats.received;
  console.log(`\n${stats.published} published, ${stats.accepted} accepted, ${stats.refused} refused with an error (UNAVAILABLE), ${stats.notAccepted} lost on the way without a word (in flight to a draining instance); ` +
    `deliveries ${stats.received}/${stats.expected}: lost ${lost}, duplicated ${stats.duplicated}; recovered:false ${stats.recoveredFalse} ` +
    `of ${stats.resubscribed} resubscriptions; ${stats.disconnects} disconnects (${stats.closes1012} with 1012); ` +
    `changes ${stats.changes} (${stats.changesFailed} not acknowledged by Kafka); refreshes ${stats.refreshesOnTime}/${stats.refreshesDue} on time, ${stats.refreshesStale} stale; client errors ${stats.errors}`);

  return lost === 0 && stats.duplicated === 0 && stats.refreshesStale === 0;
}
