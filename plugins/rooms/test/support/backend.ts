/** A local authorization backend (node:http on 127.0.0.1:0) that records what it was asked. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Backend {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/** `decide(path, query)` returns [status, body, delayMs]. */
export async function startBackend(decide: (path: string, q: URLSearchParams) => [number, string, number?]): Promise<Backend> {
  const requests: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const srv: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${u.pathname}${u.search}`);
    const [status, body, delay = 0] = decide(u.pathname, u.searchParams);
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    };
    if (delay > 0) {
      const timer = setTimeout(() => { timers.delete(timer); send(); }, delay);
      timers.add(timer);
    } else send();
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        srv.closeAllConnections();
        srv.close(() => resolve());
      }),
  };
}

/** The realtime service's rules, answered by a backend: order owner, seller owner, room allow-list, plus failure modes. */
export function seedRules(path: string, q: URLSearchParams): [number, string, number?] {
  const user = q.get('user_id') ?? '';
  const allowed = (b: boolean): [number, string] => [200, JSON.stringify({ allowed: b })];
  let m = /^\/orders\/([^/]+)\/can_access$/.exec(path);
  if (m) return allowed(m[1] === user);
  m = /^\/sellers\/([^/]+)\/can_access$/.exec(path);
  if (m) return allowed(m[1] === '9' && user === '3');
  if (path === '/ws/can_join') {
    const room = q.get('room');
    if (room === 'slow') return [200, JSON.stringify({ allowed: true }), 3500];
    if (room === 'broken') return [500, JSON.stringify({ allowed: true })];
    if (room === 'garbage') return [200, 'not json'];
    if (room === 'stringly') return [200, JSON.stringify({ allowed: 'yes' })];
    return allowed(room !== 'secret');
  }
  return [404, '{}'];
}
