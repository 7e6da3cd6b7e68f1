/** The pid of the Redis server at REDIS_URL (from `INFO server`), so its CPU can be read from /proc. */
import { REPO_ROOT } from './paths.js';
import { join } from 'node:path';

type RawCommand = (host: string, port: number, command: string, opts?: { timeoutMs?: number }) => Promise<string | null>;

export async function redisPid(url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'): Promise<number> {
  const u = new URL(url);
  // The repository's raw RESP helper (scripts/services), as the test services use it.
  const { rawCommand } = (await import(join(REPO_ROOT, 'scripts/services/redis.mjs'))) as { rawCommand: RawCommand };
  const info = await rawCommand(u.hostname || '127.0.0.1', Number(u.port || 6379), 'INFO server', { timeoutMs: 3000 });
  const m = /process_id:(\d+)/.exec(info ?? '');
  if (!m) throw new Error(`Redis at ${u.host}: no process_id in INFO server (${(info ?? '').slice(0, 80)})`);
  return Number(m[1]);
}
