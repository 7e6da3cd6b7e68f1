#!/usr/bin/env node
/**
 * `npm run soak` (not in CI): two Actorwire servers sharing a throwaway redis-server, 10,000
 * connections (5,000 each) in 100 rooms, churn (1 % of the connections replaced every second),
 * a publish every 20 ms into a random room, and one Redis restart half-way. Every 30 s it
 * prints a row: server RSS, connections, publishes, deliveries expected / received, lost and
 * duplicated deliveries. Deliveries are counted per (message, receiver): a receiver that was a
 * member when the message was published and still is when it is counted must get it once.
 *
 *   SOAK_MINUTES=10 SOAK_CONNECTIONS=10000 npm run soak
 *
 * Requires `npm run build` (it runs server/dist/bin.js, as `npm start` does) and redis-server.
 *
 * `npm run soak -- --topology`: the production topology instead (scripts/soak-topology.mjs).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { startRedisServer } from './services/redis.mjs';
import { rssMb } from './services/_common.mjs';

if (process.argv.includes('--topology')) {
  const { soakTopology } = await import('./soak-topology.mjs');
  const clean = await soakTopology().catch((err) => { console.error(err); return false; });
  process.exit(clean ? 0 : 1);
}

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 10_000);
const ROOMS = 100;
const PUBLISH_EVERY_MS = 20;
const CHURN_PER_SECOND = Math.max(1, Math.round(CONNECTIONS / 100));
const SAMPLE_EVERY_MS = 30_000;
const SECRET = 'soak-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});

async function startServer(redisUrl) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--max-semi-space-size=8', 'server/dist/bin.js'], {
    env: {
      ...process.env, PORT: String(port), HOST: '127.0.0.1', JWT_SECRET: SECRET, REDIS_URL: redisUrl,
      ACTORWIRE_PLUGINS: 'auth,rooms,redis-pubsub', LOG_LEVEL: 'warn', ACTORWIRE_RATE_LIMIT: '0',
      WEBSOCKET_LIMITS_MAX_CONNECTIONS: '0', WEBSOCKET_LIMITS_MAX_UNAUTHENTICATED: '0', REDIS_RETRY_MAX: '1s',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health`);
      if (r.ok || r.status === 200) return { child, port };
    } catch { /* not yet */ }
    await sleep(100);
  }
  throw new Error('server did not start');
}

const stats = { published: 0, expected: 0, received: 0, dupes: 0, errors: 0, connects: 0, closes: 0, lostInOutage: 0 };
/** seq → { room, receivers: Set<client>, got: Set<client>, at, outage } */
const messages = new Map();
const members = Array.from({ length: ROOMS }, () => new Set());
let redisDown = false;
let nextClient = 0;

function connect(server, token) {
  return new Promise((resolve) => {
    const id = nextClient++;
    const room = id % ROOMS;
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${token}`, { perMessageDeflate: false });
    const client = { id, ws, room, joined: false };
    ws.on('message', (buf) => {
      const f = JSON.parse(buf.toString());
      if (f.type === 'connected') return ws.send(JSON.stringify({ type: 'subscribe', room: `r${room}`, id: 's' }));
      if (f.type === 'subscribed') { client.joined = true; members[room].add(client); return resolve(client); }
      if (f.type === 'message' && f.data?.seq !== undefined) {
        const m = messages.get(f.data.seq);
        if (!m) return;
        if (m.got.has(client)) stats.dupes++;
        else { m.got.add(client); }
      }
      if (f.type === 'error') stats.errors++;
    });
    ws.on('error', () => { stats.errors++; resolve(client); });
    ws.on('close', () => { members[room].delete(client); client.joined = false; });
    stats.connects++;
  });
}

function settle(now) {
  // Messages older than 5 s are counted: every receiver still a member must have it.
  for (const [seq, m] of messages) {
    if (now - m.at < 5000) break;
    for (const c of m.receivers) {
      if (!c.joined) continue; // left meanwhile (churn): not counted
      stats.expected++;
      if (m.got.has(c)) stats.received++;
      else if (m.outage) stats.lostInOutage++;
    }
    messages.delete(seq);
  }
}

async function main() {
  const redis = await startRedisServer();
  const servers = [await startServer(redis.url), await startServer(redis.url)];
  const token = await new SignJWT({ sub: 'soak', exp: Math.floor(Date.now() / 1000) + 86_400 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
  const clients = [];
  for (let i = 0; i < CONNECTIONS; i += 200) {
    clients.push(...(await Promise.all(Array.from({ length: Math.min(200, CONNECTIONS - i) }, (_, k) => connect(servers[(i + k) % 2], token)))));
  }
  console.log(`soak: ${clients.length} connections on 2 servers, ${ROOMS} rooms, ${MINUTES} min, Redis restart at ${MINUTES / 2} min`);
  console.log('| t (s) | RSS A (MB) | RSS B (MB) | connections | published | deliveries expected | received | lost | lost during the Redis restart | duplicated | errors |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  const start = Date.now();
  const end = start + MINUTES * 60_000;
  let seq = 0;
  let lastSample = start;
  let restarted = false;
  const row = (t) => {
    const open = clients.filter((c) => c.joined).length;
    const lost = stats.expected - stats.received - stats.lostInOutage;
    console.log(`| ${t} | ${rssMb(servers[0].child.pid).toFixed(0)} | ${rssMb(servers[1].child.pid).toFixed(0)} | ${open} | ${stats.published} | ${stats.expected} | ${stats.received} | ${lost} | ${stats.lostInOutage} | ${stats.dupes} | ${stats.errors} |`);
  };
  row(0);
  const publisher = setInterval(() => {
    const room = Math.floor(Math.random() * ROOMS);
    const from = [...members[room]][0];
    if (!from) return;
    const s = seq++;
    messages.set(s, { room, receivers: new Set(members[room]), got: new Set(), at: Date.now(), outage: redisDown });
    from.ws.send(JSON.stringify({ type: 'publish', room: `r${room}`, data: { seq: s } }));
    stats.published++;
  }, PUBLISH_EVERY_MS);
  const churn = setInterval(() => {
    for (let k = 0; k < CHURN_PER_SECOND; k++) {
      const i = Math.floor(Math.random() * clients.length);
      const old = clients[i];
      old.joined = false;
      members[old.room].delete(old);
      old.ws.close();
      stats.closes++;
      void connect(servers[i % 2], token).then((c) => { clients[i] = c; });
    }
  }, 1000);
  while (Date.now() < end) {
    await sleep(1000);
    const now = Date.now();
    settle(now);
    if (!restarted && now - start > (end - start) / 2) {
      restarted = true;
      // Messages published in the 10 s around the restart may be lost (pub/sub is at-most-once).
      redisDown = true;
      await redis.restart();
      setTimeout(() => { redisDown = false; }, 10_000);
    }
    if (now - lastSample >= SAMPLE_EVERY_MS) {
      lastSample = now;
      row(Math.round((now - start) / 1000));
    }
  }
  clearInterval(publisher);
  clearInterval(churn);
  await sleep(6000);
  settle(Date.now() + 10_000);
  row(Math.round((Date.now() - start) / 1000));
  for (const c of clients) c.ws.terminate();
  for (const s of servers) s.child.kill('SIGTERM');
  await redis.stop();
  const lost = stats.expected - stats.received - stats.lostInOutage;
  console.log(`\nconnects ${stats.connects}, closes ${stats.closes}; lost outside the Redis restart: ${lost}; duplicated: ${stats.dupes}`);
  process.exit(lost === 0 && stats.dupes === 0 ? 0 : 1);
}

main().catch((err) => { console.error(err); process.exit(1); });
