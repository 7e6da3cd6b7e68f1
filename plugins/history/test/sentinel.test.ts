/**
 * Redis Sentinel (REDIS_SENTINELS / REDIS_SENTINEL_NAME): a master, a replica and three sentinels
 * started here (`redis-server --sentinel`, what Debian's redis-sentinel runs), two instances with
 * history rooms on them. The master is killed: the instances follow the new master (`/health`
 * degraded, then up), delivery across instances resumes both ways, and history recovery after it
 * answers from the promoted replica's copy (recovered exactly, or `recovered: false`).
 *
 * Not shown here: writes the replica never received (asynchronous replication) — the replica
 * keeps reading its socket after the master dies, so this test cannot make them; the history
 * README says what such a loss costs.
 */
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as netServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { TestServer } from '@actorwire/testing';
import { instance, messagesOf, publishN, received, uniquePrefix, until, user } from './support.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = netServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function redisStatus(srv: TestServer): Promise<string | undefined> {
  const body = (await fetch(`${srv.httpBase}/health`, { headers: { connection: 'close' } }).then((r) => r.json())) as any;
  return body.components.redis?.status;
}

t.test('a Sentinel failover: instances follow the new master, delivery resumes, history recovers from the promoted replica', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'actorwire-sentinel-'));
  const procs: ChildProcess[] = [];
  t.teardown(() => {
    for (const p of procs) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const server = (args: string[]) => {
    const p = spawn('redis-server', args, { cwd: dir, stdio: 'ignore' });
    procs.push(p);
    return p;
  };
  const [masterPort, replicaPort, ...sentinelPorts] = await Promise.all([0, 1, 2, 3, 4].map(() => freePort())) as [number, number, number, number, number];
  const master = server(['--port', String(masterPort), '--save', '', '--appendonly', 'no']);
  server(['--port', String(replicaPort), '--save', '', '--appendonly', 'no', '--replicaof', '127.0.0.1', String(masterPort)]);
  for (const port of sentinelPorts) {
    const conf = join(dir, `sentinel-${port}.conf`);
    writeFileSync(conf, [
      `port ${port}`, `dir ${dir}`,
      `sentinel monitor m 127.0.0.1 ${masterPort} 2`,
      'sentinel down-after-milliseconds m 1000', 'sentinel failover-timeout m 5000', 'sentinel parallel-syncs m 1', '',
    ].join('\n'));
    server([conf, '--sentinel']);
  }
  const replica = new Redis({ port: replicaPort, lazyConnect: true, maxRetriesPerRequest: 1 });
  const sentinel = new Redis({ port: sentinelPorts[0], lazyConnect: true, maxRetriesPerRequest: 1 });
  t.teardown(() => { replica.disconnect(); sentinel.disconnect(); });
  await until(async () => {
    try {
      if (replica.status !== 'ready') await replica.connect();
      if (sentinel.status !== 'ready') await sentinel.connect();
      const info = await replica.info('replication');
      const seen = (await sentinel.call('SENTINEL', 'SENTINELS', 'm')) as unknown[];
      const replicas = (await sentinel.call('SENTINEL', 'REPLICAS', 'm')) as unknown[];
      return info.includes('master_link_status:up') && seen.length === 2 && replicas.length === 1;
    } catch {
      return false;
    }
  }, 20_000, 'replica in sync, three sentinels that know it');

  const redis = { sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`), sentinelName: 'm', keyPrefix: uniquePrefix() };
  const a = await instance(redis);
  const b = await instance(redis);
  t.teardown(async () => { await a.stop(); await b.stop(); });
  await until(async () => (await redisStatus(a)) === 'up' && (await redisStatus(b)) === 'up', 10_000, 'both on the master');
  const alice = await user(a, 'alice');
  const bob = await user(b, 'bob');
  const sub = await alice.request({ type: 'subscribe', room: 'chat-1' });
  await bob.request({ type: 'subscribe', room: 'chat-1' });
  const epoch = sub.data.epoch as string;
  await publishN(bob, 'chat-1', 3);
  await received(alice, 'chat-1', 2);

  await publishN(bob, 'chat-1', 3, 3);
  await received(alice, 'chat-1', 5);
  const seen = messagesOf(alice, 'chat-1').map((f) => f.offset as number);
  t.same(seen, [1, 2, 3, 4, 5, 6], 'six messages before the failover');
  master.kill('SIGKILL');

  await until(async () => (await redisStatus(a)) !== 'up', 10_000, 'instance a reports Redis down');
  t.pass('/health degraded while the master is gone');
  await until(async () => (await redisStatus(a)) === 'up' && (await redisStatus(b)) === 'up', 30_000, 'both follow the new master');
  const promoted = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'm')) as string[];
  t.equal(Number(promoted[1]), replicaPort, 'Sentinel promoted the replica');

  // Delivery across instances resumes (both ways).
  await until(async () => {
    await publishN(bob, 'chat-1', 1, 100);
    return messagesOf(alice, 'chat-1').some((f) => f.data?.n === 100);
  }, 15_000, 'b → a after the failover');
  t.pass('b → a after the failover');
  const ana = await user(b, 'ana');
  await ana.request({ type: 'subscribe', room: 'chat-1' });
  await publishN(alice, 'chat-1', 1, 200);
  await received(ana, 'chat-1', 200);
  t.pass('a → b after the failover');

  // Alice comes back from offset 6: what was published since comes from the promoted replica, in order.
  const back = await user(a, 'alice');
  const again = await back.request({ type: 'subscribe', room: 'chat-1', since: { offset: 6, epoch } });
  t.equal(again.data.recovered, true, 'the promoted replica holds her position');
  t.equal(again.data.epoch, epoch, 'the same history');
  const missed = messagesOf(back, 'chat-1').map((f) => f.offset as number);
  t.same(missed, Array.from({ length: missed.length }, (_, i) => 7 + i), 'what she missed, from offset 7, in order, no gap');
  t.ok(missed.length >= 2, `the messages published after the failover (${missed.length})`);
});
