/**
 * The Go realtime service's two-instance scenario without Docker: two Actorwire instances (separate
 * processes, ports A and B) sharing one Redis. A client on each; the client on A publishes to
 * a room, the client on B receives it; a backend notifies a user through A's HTTP API and the
 * user, connected to B, receives it.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npm start -w @actorwire/example-notifications
 */
import type { ChildProcess } from 'node:child_process';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { startInstance } from '@actorwire/example-support/instances';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = process.env.JWT_SECRET ?? 'notifications-example-secret-change-me';
const say = (line: string) => console.log(line);

const token = (sub: string, role = 'client') =>
  new SignJWT({ sub, role, exp: Math.floor(Date.now() / 1000) + 600 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));

const startPlain = (name: string) =>
  startInstance(name, { JWT_SECRET: SECRET, REDIS_URL, ACTORWIRE_PLUGINS: 'auth,rooms,redis-pubsub' });

interface Client {
  ws: WebSocket;
  next(type: string): Promise<Record<string, any>>;
}

async function connect(port: number, sub: string): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${await token(sub)}`);
  const queue: Record<string, any>[] = [];
  const waiters: Array<{ type: string; resolve: (f: Record<string, any>) => void }> = [];
  ws.on('message', (raw) => {
    const frame = JSON.parse(raw.toString()) as Record<string, any>;
    const i = waiters.findIndex((w) => w.type === frame.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(frame);
    else queue.push(frame);
  });
  const next = (type: string) =>
    new Promise<Record<string, any>>((resolve, reject) => {
      const i = queue.findIndex((f) => f.type === type);
      if (i >= 0) return resolve(queue.splice(i, 1)[0]!);
      const timer = setTimeout(() => reject(new Error(`no ${type} frame within 5 s`)), 5000);
      waiters.push({ type, resolve: (f) => { clearTimeout(timer); resolve(f); } });
    });
  await next('connected');
  return { ws, next };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const children: ChildProcess[] = [];
// Stopped from outside (Ctrl-C, a test's timeout): take the two instances down too, or they outlive us.
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const c of children) c.kill('SIGTERM');
    process.exit(130);
  });
}
try {
  say(`Redis: ${REDIS_URL}`);
  const [a, b] = await Promise.all([startPlain('A'), startPlain('B')]);
  children.push(a.child, b.child);
  say(`instance A on :${a.port}, instance B on :${b.port}`);

  const alice = await connect(a.port, 'alice');
  const bob = await connect(b.port, 'bob');
  alice.ws.send(JSON.stringify({ type: 'subscribe', room: 'chat' }));
  await alice.next('subscribed');
  bob.ws.send(JSON.stringify({ type: 'subscribe', room: 'chat' }));
  const sub = await bob.next('subscribed');
  say(`alice (A) and bob (B) subscribed to "chat": client_count ${sub.data.client_count} (cluster-wide)`);
  await sleep(200); // SUBSCRIBE to Redis is asynchronous

  alice.ws.send(JSON.stringify({ type: 'publish', room: 'chat', data: { message: 'Hello from A!' } }));
  const msg = await bob.next('message');
  say(`bob on B received from ${msg.user_id} on A: ${JSON.stringify(msg.data)}`);

  const res = await fetch(`http://127.0.0.1:${a.port}/api/notify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('billing', 'service')}` },
    body: JSON.stringify({ event: 'order.shipped', data: { order_id: 42 }, user_id: 'bob' }),
  });
  say(`POST /api/notify on A for user bob → HTTP ${res.status}`);
  const n = await bob.next('notification');
  say(`bob on B received notification ${n.event}: ${JSON.stringify(n.data)}`);
  alice.ws.close();
  bob.ws.close();
  say('OK');
} catch (err) {
  console.error(`FAILED: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  for (const c of children) c.kill('SIGTERM');
}
