/**
 * The CLI end to end: a plugin written outside the repo, loaded by path through
 * WIRESTATE_PLUGINS, serves its message type; SIGTERM drains (1001) and exits 0.
 */
import t from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '../src/testing/index.js';

const repo = resolve(fileURLToPath(import.meta.url), '../../..');

function externalPlugin(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wirestate-ext-'));
  mkdirSync(join(dir, 'node_modules', '@wirestate'), { recursive: true });
  symlinkSync(join(repo, 'core'), join(dir, 'node_modules', '@wirestate', 'core'));
  writeFileSync(join(dir, 'shout.mjs'), `
import { definePlugin } from '@wirestate/core';
export default definePlugin({
  name: 'shout', version: '2.0.0', kernel: '>=0.1.0',
  options: { type: 'object', properties: { suffix: { type: 'string', default: '!' } } },
  register(ctx, opts) {
    ctx.messages.define('shout', {
      schema: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } },
      handle: ({ message, reply }) => reply({ type: 'shouted', data: message.text.toUpperCase() + opts.suffix }),
    });
  },
});
`);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'shout.mjs');
}

function startCli(env: Record<string, string>): Promise<{ child: ChildProcess; port: number; logs: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'core/src/bin/wirestate.ts')], {
    cwd: repo,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  return new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`CLI did not start: ${logs.join('\n')}`)), 20_000);
    child.stderr!.on('data', (d) => logs.push(d.toString()));
    child.stdout!.on('data', (d) => {
      for (const line of d.toString().split('\n').filter(Boolean)) {
        logs.push(line);
        try {
          const rec = JSON.parse(line);
          if (rec.msg === 'wirestate listening') {
            clearTimeout(timer);
            resolvePort({ child, port: rec.port, logs });
          }
        } catch {
          // not JSON
        }
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`CLI exited with ${code}: ${logs.join('\n')}`));
    });
  });
}

t.test('an external plugin loaded by path; SIGTERM drains and exits 0', async (t) => {
  const path = externalPlugin();
  const { child, port, logs } = await startCli({ WIRESTATE_PLUGINS: path });
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  t.ok(logs.some((l) => l.includes('"plugin":"shout"') && l.includes('"version":"2.0.0"')), 'startup log lists the plugin with its version');
  const c = await connect(`ws://127.0.0.1:${port}/ws`);
  const r = await c.request({ type: 'shout', text: 'hi' });
  t.equal(r.type, 'shouted');
  t.equal(r.data, 'HI!');
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  child.kill('SIGTERM');
  const closed = await c.closed;
  t.equal(closed.code, 1001, 'open session closed with 1001');
  t.equal(closed.reason, 'server shutting down');
  t.equal(await exited, 0, 'process exits 0');
});

t.test('a bad plugin path or bad config stops startup with a clear error', async (t) => {
  await t.rejects(startCli({ WIRESTATE_PLUGINS: './does/not/exist.mjs' }), /cannot load plugin ".\/does\/not\/exist.mjs"/);
  await t.rejects(startCli({ WIRESTATE_PLUGINS: externalPlugin(), WEBSOCKET_PING_INTERVAL: 'often' }), /WEBSOCKET_PING_INTERVAL/);
});
