/**
 * TLS on the main port (TLS_CERT_FILE / TLS_KEY_FILE, + TLS_KEY_PASSPHRASE): a certificate made by
 * openssl for this test, a wss:// client and https:// `/health` that verify it, plain HTTP refused
 * on that port, and startup errors that name the variable.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createKernel, isKernelError, type Kernel } from '../src/index.js';
import { loadConfig } from '@actorwire/config';

const dir = mkdtempSync(join(tmpdir(), 'actorwire-tls-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** A self-signed certificate for 127.0.0.1 (and its key, encrypted with `passphrase` when given). */
function certificate(name: string, passphrase?: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', key, '-out', cert, ...(passphrase ? ['-passout', `pass:${passphrase}`] : ['-nodes']),
  ], { stdio: 'ignore' });
  return { cert, key };
}

async function start(env: Record<string, string>): Promise<Kernel> {
  const kernel = createKernel({ config: loadConfig({ env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env } }) });
  await kernel.start();
  return kernel;
}

function httpsGet(port: number, ca: Buffer): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/health', ca }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    }).on('error', reject).end();
  });
}

function wssPing(port: number, ca: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, { ca });
    const types: string[] = [];
    ws.on('message', (d) => {
      const f = JSON.parse(String(d));
      types.push(f.type);
      if (f.type === 'connected') ws.send(JSON.stringify({ type: 'ping', id: '1' }));
      if (f.type === 'pong') { ws.close(); resolve(types); }
    });
    ws.on('error', reject);
  });
}

for (const passphrase of [undefined, 'open sesame']) {
  t.test(`wss and https with a certificate the client verifies${passphrase ? ' (an encrypted key and its passphrase)' : ''}`, async (t) => {
    const { cert, key } = certificate(passphrase ? 'encrypted' : 'plain', passphrase);
    const kernel = await start({ TLS_CERT_FILE: cert, TLS_KEY_FILE: key, ...(passphrase ? { TLS_KEY_PASSPHRASE: passphrase } : {}) });
    t.teardown(() => kernel.stop());
    const ca = readFileSync(cert);
    t.same(await wssPing(kernel.port, ca), ['connected', 'pong'], 'a wss:// client verifying the certificate connects and is answered');
    const health = await httpsGet(kernel.port, ca);
    t.equal(health.status, 200);
    t.equal(health.body.status, 'healthy', '/health over https');
    await t.rejects(fetch(`http://127.0.0.1:${kernel.port}/health`), 'plain HTTP on the TLS port gets no answer');
  });
}

t.test('startup refuses half a TLS configuration, or a file it cannot read, naming the variable', async (t) => {
  const { cert, key } = certificate('half');
  t.throws(() => loadConfig({ env: { TLS_CERT_FILE: cert } }), /TLS_KEY_FILE: TLS needs both a certificate and its key/);
  t.throws(() => loadConfig({ env: { TLS_KEY_FILE: key } }), /TLS_CERT_FILE/);
  const missing = join(dir, 'nope.key');
  const kernel = createKernel({ config: loadConfig({ env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', TLS_CERT_FILE: cert, TLS_KEY_FILE: missing } }) });
  const err = await kernel.start().then(() => undefined, (e: unknown) => e);
  t.ok(isKernelError(err), 'a KernelError');
  t.match((err as { subject?: string }).subject, 'TLS_KEY_FILE');
  t.match((err as Error).message, /cannot read TLS_KEY_FILE/);
  await kernel.stop();
});
