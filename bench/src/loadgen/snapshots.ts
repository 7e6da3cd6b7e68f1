/**
 * Snapshots: `sessions` sessions on `sections` sections of one entity, each viewing its
 * section's list; then `bursts` bursts of `recordsPerBurst` change records spread over every
 * section (posted to POST /api/snapshots/changes, the same coalesced path Kafka records take).
 * Per burst it times record → the last affected session holding its new snapshot, and counts
 * the upstream calls the bursts cause (the REST stand-in runs here). Marks: start, end.
 */
import { createServer } from 'node:http';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import type { LoadgenResult, ScenarioSpec } from '../types.js';
import type { ScenarioContext } from './context.js';
import { mintTokens } from './tokens.js';
import { errorText, now, pool, sleep } from './util.js';

type Spec = Extract<ScenarioSpec, { kind: 'snapshots' }>;

const ENTITY = 'restaurants';
const LIST_TAG = Buffer.from(`"type":"${ENTITY}.list"`);
const SNAPSHOT_TAG = Buffer.from(`"type":"${ENTITY}.snapshot"`);
/** A list body of a realistic size (about 2 KB). */
const rows = Array.from({ length: 20 }, (_, i) => ({ id: i, name: `Table ${i}`, seats: 4, status: 'free', updated_at: '2026-01-01T00:00:00Z' }));

export async function snapshots(spec: Spec, ctx: ScenarioContext, wsUrl: string): Promise<LoadgenResult> {
  let upstreamCalls = 0;
  const upstream = createServer((req, res) => {
    upstreamCalls++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: req.url, version: upstreamCalls, rows }));
  });
  await new Promise<void>((resolve, reject) => {
    upstream.once('error', reject);
    upstream.listen(spec.upstreamPort, '127.0.0.1', resolve);
  });
  const origin = new URL(wsUrl);
  const httpBase = `http://${origin.host}`;
  const tokens = await mintTokens(ctx.jwtSecret, ctx.tokenEpoch, spec.sessions);
  const service = await new SignJWT({ role: 'service' }).setProtectedHeader({ alg: 'HS256' }).setSubject('bench').setExpirationTime('2h').sign(new TextEncoder().encode(ctx.jwtSecret));

  const sockets: WebSocket[] = [];
  let received = 0;
  let lastAt = 0;
  let errors = 0;
  let firstError: string | undefined;
  try {
    const setup = await pool(0, spec.sessions, 100, async (i) => {
      const ws = new WebSocket(`ws://${origin.host}/ws/${ENTITY}/s${i % spec.sections}`, { headers: { authorization: `Bearer ${tokens[i]}` } });
      ws.on('error', () => {});
      await new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
        ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      });
      const listed = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no list answer in 15 s')), 15_000);
        ws.once('close', (code) => {
          clearTimeout(timer);
          reject(new Error(`connection closed (${code}) before the list answer`));
        });
        ws.on('message', (buf: Buffer) => {
          if (buf.includes(SNAPSHOT_TAG)) {
            received++;
            lastAt = now();
          } else if (buf.includes(LIST_TAG)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      ws.send(JSON.stringify({ action: `list_${ENTITY}` }));
      await listed;
      sockets.push(ws);
    });
    // A stray failed session is reported (errors), not fatal; more than 1 % is.
    if (setup.errors > spec.sessions / 100) throw new Error(`snapshots setup: ${setup.errors} sessions failed (${setup.firstError})`);
    errors += setup.errors;
    firstError = setup.firstError === undefined ? undefined : `setup: ${setup.firstError}`;
    const callsBefore = upstreamCalls;

    await ctx.mark('start');
    const lastSessionMs: number[] = [];
    let pushed = 0;
    for (let b = 0; b < spec.bursts; b++) {
      received = 0;
      const t0 = now();
      const changes = Array.from({ length: spec.recordsPerBurst }, (_, k) => ({ entity: ENTITY, section: `s${k % spec.sections}`, id: k }));
      // At most 1,000 changes per request.
      for (let i = 0; i < changes.length; i += 1000) {
        const res = await fetch(`${httpBase}/api/snapshots/changes`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${service}` },
          body: JSON.stringify(changes.slice(i, i + 1000)),
        });
        if (res.status !== 202) throw new Error(`changes answered ${res.status}: ${await res.text()}`);
      }
      const deadline = t0 + 30_000;
      const open = () => sockets.filter((ws) => ws.readyState === WebSocket.OPEN).length;
      while (received < open() && now() < deadline) await sleep(2);
      if (received < sockets.length) {
        errors += sockets.length - received;
        firstError ??= `burst ${b}: ${received}/${sockets.length} sessions got their snapshot (${sockets.length - open()} closed)`;
      }
      lastSessionMs.push(lastAt - t0);
      pushed += received;
      // Let stragglers (a second refresh of a view) land before the next burst.
      await sleep(50);
    }
    await ctx.mark('end');
    return {
      kind: 'snapshots',
      records: spec.bursts * spec.recordsPerBurst,
      upstreamCalls: upstreamCalls - callsBefore,
      pushes: pushed,
      lastSessionMs,
      errors,
      firstError,
    };
  } catch (e) {
    throw new Error(errorText(e));
  } finally {
    for (const ws of sockets) ws.terminate();
    upstream.closeAllConnections();
    await new Promise<void>((r) => upstream.close(() => r()));
  }
}
