// A throwaway HAProxy (Debian's `haproxy`) in front of local backends, for tests:
//
//   import { startHaproxy } from './scripts/services/haproxy.mjs';
//   const proxy = await startHaproxy({ backends: [8081, 8082], healthCheck: true });
//   … ws://127.0.0.1:${proxy.port}/ws …
//   await proxy.stop();
//
// HTTP mode with `option forwardfor` (the client's address in X-Forwarded-For), WebSocket tunnels,
// `retries` + `option redispatch`; with `healthCheck`, `balance leastconn` and an HTTP check of
// `/health` every 200 ms (a draining instance answers 503 and gets no new upgrades). With `maxconn`
// (the soak's thousands of clients) the process is started through `prlimit` with room for two
// descriptors per connection.
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { spawn, spawnSync } from 'node:child_process';
import { freePorts, makeTempDir, rmrf } from './_common.mjs';

/** True when the `haproxy` binary runs here. */
export function haproxyInstalled() {
  return spawnSync('haproxy', ['-v']).status === 0;
}

/**
 * @param {{ backends: number[], healthCheck?: boolean, maxconn?: number }} opts backend ports on 127.0.0.1 (a port with nothing behind it yet is fine with health checks: it is marked down until it answers)
 * @returns {Promise<{ port: number, stop(): Promise<void> }>}
 */
export async function startHaproxy(opts) {
  const [port] = await freePorts(1);
  const dir = makeTempDir('actorwire-haproxy-');
  const cfg = path.join(dir, 'haproxy.cfg');
  const check = opts.healthCheck
    ? ['  balance leastconn', '  option httpchk', '  http-check send meth GET uri /health ver HTTP/1.1 hdr Host actorwire hdr Connection close', '  http-check expect status 200']
    : [];
  const global = opts.maxconn ? ['global', `  maxconn ${opts.maxconn}`] : [];
  fs.writeFileSync(cfg, [
    ...global,
    'defaults', ...(opts.maxconn ? [`  maxconn ${opts.maxconn}`] : []), '  mode http', '  timeout connect 2s', '  timeout client 60s', '  timeout server 60s', '  timeout tunnel 1h',
    '  retries 3', '  option redispatch',
    'frontend front', `  bind 127.0.0.1:${port}`, '  option forwardfor', '  default_backend back',
    'backend back', ...check,
    ...opts.backends.map((p, i) => `  server s${i} 127.0.0.1:${p}${opts.healthCheck ? ' check inter 200 fall 1 rise 2' : ''}`), '',
  ].join('\n'));
  const args = ['-db', '-f', cfg];
  const fds = opts.maxconn ? 2 * opts.maxconn + 1000 : 0;
  const child = fds
    ? spawn('prlimit', [`--nofile=${fds}:${fds}`, 'haproxy', ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn('haproxy', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr = (stderr + d).slice(-2000); });
  // Listening, or say why not (a bad config, or prlimit refused: the hard limit of open files).
  for (let i = 0; ; i++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      rmrf(dir);
      throw new Error(`haproxy did not start (exit ${child.exitCode ?? child.signalCode}): ${stderr.trim() || 'no output'}`);
    }
    if (await accepts(port)) break;
    if (i >= 100) throw new Error(`haproxy is not listening on ${port} after 5 s: ${stderr.trim()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await gone;
      }
      rmrf(dir);
    },
  };
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}
