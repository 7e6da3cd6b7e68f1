/** The pid of the Redis server at REDIS_URL (from `INFO server`), so its CPU can be read from /proc. */
import { connect } from 'node:net';

export function redisPid(url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', timeoutMs = 3000): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port || 6379), u.hostname || '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`Redis at ${u.host}: no INFO answer in ${timeoutMs} ms`)); }, timeoutMs);
    socket.on('error', (e) => { clearTimeout(timer); reject(e); });
    socket.on('data', (d) => {
      text += d.toString();
      const m = /process_id:(\d+)/.exec(text);
      if (!m) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(Number(m[1]));
    });
    const auth = u.password ? `AUTH ${decodeURIComponent(u.password)}\r\n` : '';
    socket.write(`${auth}INFO server\r\n`);
  });
}
