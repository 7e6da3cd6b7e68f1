/**
 * The restaurant system behind the dashboard, as a small REST service: the tables of each
 * section and the payments of each restaurant, in memory. Actorwire's snapshots and analytics
 * plugins read it (REST_BASE_URL); after each write it reports the change as a Kafka record —
 * as the real system's services do — through `onChange`.
 *
 *   GET  /tables?section=S                          → {"section","tables":[{"id","name","seats","status"}]}
 *   GET  /analytics/restaurants/:restaurantId/payments → {"restaurantId","count","total","last":[…]}
 *   POST /tables/:id      {"status":"free"|"occupied"|"reserved"}
 *   POST /payments        {"restaurantId","amount"}
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Table { id: number; name: string; seats: number; status: 'free' | 'occupied' | 'reserved'; section: string }
export interface Payment { restaurantId: string; amount: number; at: number }
export type Change = { entity: 'tables'; section: string; id: number } | { entity: 'payments'; restaurantId: string };

export interface Backend {
  url: string;
  tables: Table[];
  payments: Payment[];
  setStatus(id: number, status: Table['status']): Table;
  pay(restaurantId: string, amount: number): Payment;
  close(): Promise<void>;
}

const STATUSES = new Set(['free', 'occupied', 'reserved']);

function seed(): Table[] {
  const out: Table[] = [];
  for (const [section, n] of [['hall-1', 6], ['terrace', 4]] as const) {
    for (let i = 1; i <= n; i++) out.push({ id: out.length + 1, name: `${section === 'hall-1' ? 'H' : 'T'}${i}`, seats: i % 3 === 0 ? 6 : i % 2 ? 2 : 4, status: 'free', section });
  }
  return out;
}

async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 10_000) throw new Error('body too large');
  }
  const v = JSON.parse(text || '{}') as unknown;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('a JSON object is expected');
  return v as Record<string, unknown>;
}

export async function startBackend(opts: { port?: number; onChange?: (c: Change) => void | Promise<void> } = {}): Promise<Backend> {
  const b: Backend = {
    url: '',
    tables: seed(),
    payments: [],
    setStatus(id, status) {
      const t = b.tables.find((x) => x.id === id);
      if (!t) throw new Error(`no table ${id}`);
      t.status = status;
      void opts.onChange?.({ entity: 'tables', section: t.section, id });
      return t;
    },
    pay(restaurantId, amount) {
      const p = { restaurantId, amount, at: Date.now() };
      b.payments.push(p);
      void opts.onChange?.({ entity: 'payments', restaurantId });
      return p;
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
  const server: Server = createServer(async (req, res) => {
    const send = (status: number, v: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(v));
    try {
      const u = new URL(req.url ?? '/', 'http://backend');
      const m = /^\/analytics\/restaurants\/([^/]+)\/payments$/.exec(u.pathname);
      if (req.method === 'GET' && u.pathname === '/tables') {
        const section = u.searchParams.get('section') ?? '';
        return send(200, { section, tables: b.tables.filter((t) => t.section === section).map(({ section: _s, ...t }) => t) });
      }
      if (req.method === 'GET' && m) {
        const mine = b.payments.filter((p) => p.restaurantId === m[1]);
        return send(200, { restaurantId: m[1], count: mine.length, total: mine.reduce((n, p) => n + p.amount, 0), last: mine.slice(-5).reverse() });
      }
      const tm = /^\/tables\/(\d+)$/.exec(u.pathname);
      if (req.method === 'POST' && tm) {
        const { status } = await body(req);
        if (typeof status !== 'string' || !STATUSES.has(status)) return send(400, { error: 'status: free, occupied or reserved' });
        return send(200, b.setStatus(Number(tm[1]), status as Table['status']));
      }
      if (req.method === 'POST' && u.pathname === '/payments') {
        const { restaurantId, amount } = await body(req);
        if (typeof restaurantId !== 'string' || typeof amount !== 'number' || !(amount > 0)) return send(400, { error: 'restaurantId (string) and amount (> 0) are required' });
        return send(201, b.pay(restaurantId, amount));
      }
      send(404, { error: 'not found' });
    } catch (err) {
      send(400, { error: (err as Error).message });
    }
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  b.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return b;
}
