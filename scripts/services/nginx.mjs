// A throwaway nginx (Debian's `nginx`) running deploy/nginx.conf in front of local backends, for
// tests:
//
//   import { startNginx } from './scripts/services/nginx.mjs';
//   const proxy = await startNginx({ backends: [8081, 8082] });
//   … ws://127.0.0.1:${proxy.port}/ws …
//   await proxy.stop();
//
// The documented file is what runs: only its upstream `server` lines and its `listen` port are
// replaced, and the process gets a prefix of its own (pid, temp paths, error log).
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePorts, makeTempDir, rmrf, sleep } from './_common.mjs';

const CONFIG = fileURLToPath(new URL('../../deploy/nginx.conf', import.meta.url));

/** True when the `nginx` binary runs here. */
export function nginxInstalled() {
  return spawnSync('nginx', ['-v']).status === 0;
}

/** deploy/nginx.conf with these backends and this port, run from `dir`. */
export function nginxConfig({ backends, port, dir }) {
  const text = fs.readFileSync(CONFIG, 'utf8');
  const servers = /^(\s*)server 127\.0\.0\.1:\d+ (.*);$/m.exec(text);
  if (!servers) throw new Error(`${CONFIG}: no upstream server line to replace`);
  const [, indent, params] = servers;
  const lines = backends.map((p) => `${indent}server 127.0.0.1:${p} ${params};`).join('\n');
  let out = text.replace(/^\s*server 127\.0\.0\.1:\d+ .*;$\n?/gm, '');
  out = out.replace(/^(\s*)least_conn;$/m, (m) => `${m}\n${lines}`);
  out = out.replace(/^(\s*)listen \d+;$/m, `$1listen 127.0.0.1:${port};`);
  if (!out.includes(`listen 127.0.0.1:${port};`)) throw new Error(`${CONFIG}: no listen line to replace`);
  // The test's own files: no system paths, no root-owned temp directories.
  const own = [
    `pid ${path.join(dir, 'nginx.pid')};`, `error_log ${path.join(dir, 'error.log')} warn;`,
  ].join('\n');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((k) => `    ${k}_temp_path ${path.join(dir, k)};`).join('\n');
  return `${own}\n${out.replace(/^http \{$/m, `http {\n${temp}`)}`;
}

/**
 * @param {{ backends: number[] }} opts backend ports on 127.0.0.1
 * @returns {Promise<{ port: number, stop(): Promise<void> }>}
 */
export async function startNginx(opts) {
  const [port] = await freePorts(1);
  const dir = makeTempDir('actorwire-nginx-');
  fs.chmodSync(dir, 0o755); // nginx's workers (nobody, when started as root) write its temp paths
  const cfg = path.join(dir, 'nginx.conf');
  fs.writeFileSync(cfg, nginxConfig({ backends: opts.backends, port, dir }));
  const check = spawnSync('nginx', ['-t', '-q', '-p', dir, '-c', cfg], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx -t refused the configuration: ${check.stderr}`);
  const child = spawn('nginx', ['-p', dir, '-c', cfg, '-g', 'daemon off;'], { stdio: 'ignore' });
  // Listening once the master has written its pid file.
  for (let i = 0; i < 100 && !fs.existsSync(path.join(dir, 'nginx.pid')); i++) await sleep(50);
  return {
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM'); // fast shutdown: a graceful one waits for every open tunnel
        const quick = await Promise.race([gone.then(() => true), sleep(3000).then(() => false)]);
        if (!quick) { child.kill('SIGKILL'); await gone; }
      }
      rmrf(dir);
    },
  };
}
