/**
 * `npm start` of each example that serves (chat, dashboard) execs its server: SIGTERM to the npm
 * process drains the server and everything exits, with nothing left listening — no orphan (the
 * root's `npm start` is tested the same way in server/test/cli.test.ts).
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../..', import.meta.url));

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const port = (s.address() as { port: number }).port;
    s.close(() => resolve(port));
  });
});

const listening = async (port: number) => fetch(`http://127.0.0.1:${port}/health`, { headers: { connection: 'close' } }).then(() => true, () => false);

const examples: Array<{ name: string; env: (ports: number[]) => Record<string, string>; ports: number }> = [
  { name: 'chat', ports: 1, env: ([p]) => ({ PORT: String(p), HOST: '127.0.0.1', JWT_SECRET: 'npm-start-test-secret-0123456789-abcdef' }) },
  { name: 'dashboard', ports: 2, env: ([p, b]) => ({ PORT: String(p), BACKEND_PORT: String(b), KAFKA_BROKERS: '' }) },
];

for (const ex of examples) {
  t.test(`examples/${ex.name}: npm start, SIGTERM → drained, exited, nothing left listening`, async (t) => {
    const ports = await Promise.all(Array.from({ length: ex.ports }, freePort));
    const child = spawn('npm', ['start'], { cwd: join(repo, 'examples', ex.name), env: { ...process.env, LOG_LEVEL: 'info', ...ex.env(ports) }, stdio: ['ignore', 'pipe', 'pipe'] });
    t.teardown(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (!(await listening(ports[0]!))) {
      if (Date.now() > deadline) throw new Error(`examples/${ex.name} did not serve on :${ports[0]}:\n${out.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
    t.equal(code, 0, `npm start exited 0 on SIGTERM (${String(code)})`);
    for (const p of ports) t.notOk(await listening(p), `nothing listens on :${p} any more`);
  });
}
