/**
 * Kernel-only measurements (issue: idle memory per connection, inbound pipeline cost):
 *   node --import tsx core/bench/kernel.ts [--connections 5000] [--seconds 5]
 * Starts the bare kernel (ACTORWIRE_PLUGINS=none) in its own process pinned to core 0,
 * opens N idle connections from this process (core 1), reports the server's RSS delta per
 * connection, then drives `ping` round trips from 100 clients with a window of 20 each and
 * reports messages/s and the server's CPU per message (from /proc).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('connections', 5000);
const SECONDS = arg('seconds', 5);
const root = fileURLToPath(new URL('../..', import.meta.url));
const port = 20000 + Math.floor(Math.random() * 20000);
const ticks = 100;

const server = spawn('taskset', ['-c', '0', process.execPath, '--max-semi-space-size=8', 'server/dist/bin.js'], {
  cwd: root,
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ACTORWIRE_PLUGINS: 'none', WEBSOCKET_LIMITS_MAX_CONNECTIONS: '0', ACTORWIRE_RATE_LIMIT: '0' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const pid = server.pid!;
const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
const cpuSec = () => {
  // server is `taskset` exec'ing node: same pid
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / ticks;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitHealthy() {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return;
    } catch {
      // not yet
    }
    await sleep(100);
  }
  throw new Error('server did not start');
}

function open(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false });
    ws.once('message', () => resolve(ws)); // the `connected` frame
    ws.once('error', reject);
  });
}

try {
  await waitHealthy();
  await sleep(500);
  const before = rssKb();
  const sockets: WebSocket[] = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i += 200) sockets.push(...(await Promise.all(Array.from({ length: Math.min(200, N - i) }, open))));
  const connectSec = (performance.now() - t0) / 1000;
  await sleep(2000);
  const after = rssKb();
  console.log(JSON.stringify({ connections: N, rssBeforeKb: before, rssAfterKb: after, kbPerConnection: +((after - before) / N).toFixed(2), connectionsPerSec: Math.round(N / connectSec) }));
  for (const s of sockets.splice(100)) s.terminate();
  await sleep(500);

  // ping round trips: 100 clients, 20 in flight each
  let done = 0;
  let stop = false;
  const pingFrame = '{"type":"ping"}';
  for (const s of sockets) {
    s.on('message', () => {
      done++;
      if (!stop) s.send(pingFrame);
    });
    for (let k = 0; k < 20; k++) s.send(pingFrame);
  }
  await sleep(1000);
  const c0 = cpuSec();
  const d0 = done;
  await sleep(SECONDS * 1000);
  const c1 = cpuSec();
  const d1 = done;
  stop = true;
  const rate = (d1 - d0) / SECONDS;
  console.log(JSON.stringify({ pingPerSec: Math.round(rate), serverCpuUtil: +((c1 - c0) / SECONDS).toFixed(2), serverCpuMicrosPerMessage: +(((c1 - c0) / (d1 - d0)) * 1e6).toFixed(2) }));
  for (const s of sockets) s.terminate();
} finally {
  server.kill('SIGTERM');
}
