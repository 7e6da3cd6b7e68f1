/** Runs the example end to end against the Redis `npm test` provisions (REDIS_URL). */
import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../../..', import.meta.url));

t.test('publish on A is received on B; notify on A reaches a user on B', async (t) => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/notifications/run.ts'], {
    cwd: root,
    env: { ...process.env, REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', LOG_LEVEL: 'warn' },
    timeout: 60_000,
  });
  t.match(stdout, /bob on B received from alice on A: \{"message":"Hello from A!"\}/);
  t.match(stdout, /POST \/api\/notify on A for user bob → HTTP 202/);
  t.match(stdout, /bob on B received notification order\.shipped: \{"order_id":42\}/);
  t.match(stdout, /client_count 2 \(cluster-wide\)/);
  t.match(stdout, /^OK$/m);
});
