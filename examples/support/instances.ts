/** One Actorwire instance as `npm start` runs it (the compiled server/dist/bin.js), on a port. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface Instance {
  port: number;
  child: ChildProcess;
}

/** Resolves with the port it listens on (PORT 0: a free one). `--import tsx` lets a plugin be a .ts file. */
export function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  const child = spawn(process.execPath, ['--max-semi-space-size=8', '--import', 'tsx', 'server/dist/bin.js'], {
    cwd: root,
    // info: its "actorwire listening" line says which port it got (stdout is read, not shown).
    env: { PORT: '0', HOST: '127.0.0.1', ...process.env, ...env, LOG_LEVEL: 'info', ACTORWIRE_INSTANCE_ID: `example-${name}-${process.pid}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const m = /"port":(\d+)[^\n]*actorwire listening/.exec(buf);
      if (m) resolve({ port: Number(m[1]), child });
      if (buf.length > 65_536) buf = buf.slice(-4096);
    });
    child.once('exit', (code) => reject(new Error(`instance ${name} exited with ${code} before listening`)));
  });
}
