/**
 * Recovery after an instance restart (Actorwire with history in Redis): `clients` connections,
 * spread over `rooms` rooms with history, learn their position; the orchestrator restarts the
 * server (mark `restart`) — every connection drops; a publisher sends `missed` messages to each
 * room; then every client reconnects (`concurrency` at a time) and subscribes from its position.
 * Measured from the first reconnect to the last client holding exactly its `missed` messages
 * and `recovered: true`. Marks: restart, start, end.
 */
import WebSocket from 'ws';
import type { LoadgenResult, ScenarioSpec } from '../types.js';
import type { ScenarioContext } from './context.js';
import { mintTokens } from './tokens.js';
import { now, pool } from './util.js';

type Spec = Extract<ScenarioSpec, { kind: 'recovery' }>;
interface Frame { type: string; id?: string; room?: string; data?: any; offset?: number; epoch?: string; code?: string; error?: string }
const TIMEOUT_MS = 30_000;

/** A raw connection: frames to a callback; resolves once `connected` arrived. */
function open(url: string, token: string, onFrame: (f: Frame) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}?token=${token}`, { perMessageDeflate: false, handshakeTimeout: TIMEOUT_MS });
    const timer = setTimeout(() => { ws.terminate(); reject(new Error('connect timed out')); }, TIMEOUT_MS);
    ws.once('error', (e) => { clearTimeout(timer); reject(e); });
    ws.once('close', (code) => { clearTimeout(timer); reject(new Error(`closed before connected: ${code}`)); });
    ws.on('message', (buf: Buffer) => {
      const f = JSON.parse(buf.toString()) as Frame;
      if (f.type === 'connected') {
        clearTimeout(timer);
        ws.removeAllListeners('close');
        ws.on('error', () => {});
        return resolve(ws);
      }
      onFrame(f);
    });
  });
}

/** Resolve when `cond` holds (checked on every frame); reject after the timeout. */
function waitFor(check: { done?: () => void }, cond: () => boolean, what: string): Promise<void> {
  if (cond()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: timed out after ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    check.done = () => {
      if (!cond()) return;
      clearTimeout(timer);
      check.done = undefined;
      resolve();
    };
  });
}

export async function recovery(spec: Spec, ctx: ScenarioContext, url: string): Promise<LoadgenResult> {
  const roomOf = (i: number) => `hist-${i % spec.rooms}`;
  const tokens = await mintTokens(ctx.jwtSecret, ctx.tokenEpoch, spec.clients + 1);
  const positions: Array<{ offset: number; epoch: string }> = new Array(spec.clients);
  const first: WebSocket[] = new Array(spec.clients);

  // 1. Everyone in its room, knowing where it is.
  const setup = await pool(0, spec.clients, 100, async (i) => {
    const box: { ack?: Frame; done?: () => void } = {};
    const ws = await open(url, tokens[i]!, (f) => { if (f.id === 's') { box.ack = f; box.done?.(); } });
    first[i] = ws;
    ws.send(JSON.stringify({ type: 'subscribe', room: roomOf(i), id: 's' }));
    await waitFor(box, () => box.ack !== undefined, 'subscribe');
    if (box.ack!.type !== 'subscribed' || typeof box.ack!.data?.epoch !== 'string') throw new Error(`subscribe: ${JSON.stringify(box.ack).slice(0, 200)}`);
    positions[i] = { offset: box.ack!.data.offset, epoch: box.ack!.data.epoch };
  });
  if (setup.errors > 0) throw new Error(`recovery setup: ${setup.errors} clients failed (${setup.firstError})`);

  // 2. The instance restarts; every connection drops.
  const dropped = Promise.all(first.map((ws) => new Promise<void>((r) => (ws.readyState === WebSocket.CLOSED ? r() : ws.once('close', () => r())))));
  await ctx.mark('restart');
  await dropped;

  // 3. Meanwhile the rooms go on: `missed` messages each, kept by the history.
  let delivered = 0;
  let refused: string | undefined;
  const pubBox: { done?: () => void } = {};
  const acks = new Set<string>();
  const pub = await open(url, tokens[spec.clients]!, (f) => {
    if (f.type === 'message') delivered++;
    else if (f.id !== undefined) acks.add(f.id);
    else if (f.type === 'error') refused ??= `publisher: ${f.code} ${f.error}`;
    pubBox.done?.();
  });
  for (let r = 0; r < spec.rooms; r++) pub.send(JSON.stringify({ type: 'subscribe', room: `hist-${r}`, id: `s${r}` }));
  await waitFor(pubBox, () => acks.size === spec.rooms, 'publisher subscribe');
  for (let m = 0; m < spec.missed; m++) for (let r = 0; r < spec.rooms; r++) pub.send(JSON.stringify({ type: 'publish', room: `hist-${r}`, data: { m } }));
  await waitFor(pubBox, () => delivered === spec.rooms * spec.missed || refused !== undefined, 'publishes kept and delivered');
  if (refused !== undefined) throw new Error(refused);
  pub.terminate();

  // 4. Everyone back, from its position.
  await ctx.mark('start');
  const t0 = now();
  let recovered = 0;
  let resent = 0;
  const again: WebSocket[] = [];
  const outcome = await pool(0, spec.clients, spec.concurrency, async (i) => {
    const box: { ack?: Frame; n: number; bad?: string; done?: () => void } = { n: 0 };
    const expect = positions[i]!.offset + 1;
    const ws = await open(url, tokens[i]!, (f) => {
      if (f.id === 'r') box.ack = f;
      else if (f.type === 'message' && f.room === roomOf(i)) {
        if (f.offset !== expect + box.n) box.bad ??= `offset ${f.offset}, expected ${expect + box.n}`;
        box.n++;
      }
      box.done?.();
    });
    again.push(ws);
    ws.send(JSON.stringify({ type: 'subscribe', room: roomOf(i), since: positions[i], id: 'r' }));
    await waitFor(box, () => box.ack !== undefined && box.n >= spec.missed, 'recovery');
    if (box.ack!.data?.recovered !== true) throw new Error(`not recovered: ${JSON.stringify(box.ack).slice(0, 200)}`);
    if (box.bad) throw new Error(box.bad);
    recovered++;
    resent += box.n;
  });
  const ms = now() - t0;
  await ctx.mark('end');
  for (const ws of again) ws.terminate();
  return { kind: 'recovery', clients: spec.clients, recovered, resent, ms, errors: outcome.errors, ...(outcome.firstError ? { firstError: outcome.firstError } : {}) };
}
