/**
 * Recovery with the client library: after a dropped connection it resubscribes from each room's
 * history position and delivers what was missed, in order and once, then live messages; a
 * position the server no longer covers says `recovered: false`; a gap in offsets is repaired.
 */
import t from 'tap';
import { startTestServer } from '@actorwire/testing';
import authPlugin from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import history from '@actorwire/plugin-history';
import { ActorwireClient, type BaseFrame, type WebSocketConstructor, type WebSocketLike } from '../src/index.js';
import { SECRET, client, jwt, next, proxy } from './support.js';

async function historyServer() {
  return startTestServer({
    config: { websocket: { rateLimit: { messagesPerSecond: 0 } } },
    plugins: [[authPlugin, { secret: SECRET }], rooms, [history, { rooms: [{ pattern: 'chat-*', size: 100 }, { pattern: 'tiny-*', size: 5 }] }]],
  });
}

/** A history server, a client as alice through a freezable proxy, subscribed to `room` (its messages into `got`). */
async function throughProxy(t: { teardown(fn: () => unknown): void }, room: string) {
  const srv = await historyServer();
  t.teardown(() => srv.stop());
  const p = await proxy(srv.port);
  t.teardown(() => p.close());
  const c = client({ url: `ws://127.0.0.1:${p.port}/ws`, token: () => jwt('alice') });
  t.teardown(() => c.close());
  const got: BaseFrame[] = [];
  const sub = c.subscribe(room, (f) => { if (f.type === 'message') got.push(f); });
  await c.connect();
  return { srv, p, c, got, sub };
}

t.test('a dropped connection: the client resubscribes from its position and gets the missed messages once, in order', async (t) => {
  const { srv, p, c, got, sub } = await throughProxy(t, 'chat-1');
  const ack = await sub.ready;
  t.equal(ack.data.offset, 0);

  const bob = await srv.connect(`/ws?token=${await jwt('bob')}`);
  await bob.request({ type: 'subscribe', room: 'chat-1' });
  for (let i = 0; i < 3; i++) bob.send({ type: 'publish', room: 'chat-1', data: i });
  await until(() => got.length === 3);
  t.same(sub.position, { offset: 3, epoch: ack.data.epoch });

  p.freeze();
  for (let i = 3; i < 23; i++) bob.send({ type: 'publish', room: 'chat-1', data: i });
  await bob.request({ type: 'ping' });
  const resubscribed = next(c, 'resubscribed', 10_000);
  p.thaw(); // the frozen connection is dropped: the client reconnects
  t.same(await resubscribed, { room: 'chat-1', recovered: true });
  t.equal(sub.recovered, true);
  bob.send({ type: 'publish', room: 'chat-1', data: 23 });
  await until(() => got.length === 24);
  t.same(got.map((f) => f.data), Array.from({ length: 24 }, (_, i) => i), 'every message once, in order, across the drop');
  t.same(got.map((f) => f.offset), Array.from({ length: 24 }, (_, i) => i + 1));
  t.equal(sub.position!.offset, 24);
});

t.test('too long away: recovered false, and the position starts again from the server\'s', async (t) => {
  const { srv, p, c, got, sub } = await throughProxy(t, 'tiny-1');
  await sub.ready;
  const bob = await srv.connect(`/ws?token=${await jwt('bob')}`);
  await bob.request({ type: 'subscribe', room: 'tiny-1' });
  p.freeze();
  for (let i = 0; i < 12; i++) bob.send({ type: 'publish', room: 'tiny-1', data: i });
  await bob.request({ type: 'ping' });
  const resubscribed = next(c, 'resubscribed', 10_000);
  p.thaw();
  t.same(await resubscribed, { room: 'tiny-1', recovered: false }, 'size 5: offsets 1..7 are gone');
  t.equal(got.length, 0, 'nothing partial was delivered');
  t.equal(sub.position!.offset, 12);
  bob.send({ type: 'publish', room: 'tiny-1', data: 'next' });
  await until(() => got.length === 1);
  t.equal(got[0]!.offset, 13);
});

/**
 * A fake connection whose server answers `subscribe` in `room`: `recover(since)` says which
 * messages it sends before the ack, and `ack(since)` what the ack says. Every frame the client
 * sent is kept in `sent`; `push` delivers a frame to the client.
 */
function fakeServer(room: string, recover: (since: { offset: number; epoch: string } | undefined) => object[], ack: (since: { offset: number; epoch: string } | undefined) => object) {
  const sent: Array<Record<string, unknown>> = [];
  let socket!: FakeSocket;
  class FakeSocket implements WebSocketLike {
    readyState = 1;
    onopen: ((ev: unknown) => void) | null = null;
    onmessage: ((ev: { data: unknown }) => void) | null = null;
    onclose: ((ev: { code: number; reason: string }) => void) | null = null;
    onerror: ((ev: unknown) => void) | null = null;
    constructor() {
      socket = this;
      queueMicrotask(() => this.push({ type: 'connected', data: { client_id: 'c1' } }));
    }
    send(data: string): void {
      const f = JSON.parse(data) as Record<string, unknown>;
      sent.push(f);
      if (f.type === 'subscribe') {
        const since = f.since as { offset: number; epoch: string } | undefined;
        for (const m of recover(since)) this.push(m);
        queueMicrotask(() => this.push({ type: 'subscribed', room, id: f.id, data: { room, client_count: 1, ...ack(since) } }));
      } else if (f.type === 'unsubscribe') queueMicrotask(() => this.push({ type: 'unsubscribed', room, id: f.id, data: { room } }));
    }
    close(): void {}
    push(frame: object): void {
      this.onmessage?.({ data: JSON.stringify(frame) });
    }
  }
  const client = new ActorwireClient({ url: 'ws://fake/ws', WebSocket: FakeSocket as unknown as WebSocketConstructor, heartbeat: false });
  return { client, sent, push: (frame: object) => socket.push(frame) };
}

t.test('a gap in offsets: the frame is held back and the room joined again from the last position', async (t) => {
  // A server that recovers: what came after `since`, then the ack.
  const { client: c, sent, push } = fakeServer(
    'chat-g',
    (since) => (since ? Array.from({ length: 5 - since.offset }, (_, i) => ({ type: 'message', room: 'chat-g', data: since.offset + 1 + i, offset: since.offset + 1 + i, epoch: 'e1' })) : []),
    (since) => ({ epoch: 'e1', offset: since ? 5 : 0, ...(since ? { recovered: true } : {}) }),
  );
  t.teardown(() => c.close());
  const got: number[] = [];
  const sub = c.subscribe('chat-g', (f) => { if (f.type === 'message') got.push(f.data as number); });
  await c.connect();
  await sub.ready;
  push({ type: 'message', room: 'chat-g', data: 1, offset: 1, epoch: 'e1' });
  push({ type: 'message', room: 'chat-g', data: 1, offset: 1, epoch: 'e1' });
  push({ type: 'message', room: 'chat-g', data: 4, offset: 4, epoch: 'e1' });
  const resubscribed = await next(c, 'resubscribed');
  t.same(resubscribed, { room: 'chat-g', recovered: true });
  t.same(got, [1, 2, 3, 4, 5], 'the duplicate dropped, the gap filled, in order');
  t.same(sent.filter((f) => f.type !== 'ping').map((f) => [f.type, (f.since as { offset?: number } | undefined)?.offset]), [['subscribe', undefined], ['unsubscribe', undefined], ['subscribe', 1]]);
});

t.test('a new epoch seen after its start (a Redis failover): the room is joined again from that epoch\'s beginning', async (t) => {
  // A server whose room is in epoch e2 now (offsets 1..4 there): it recovers a position in e2.
  const { client: c, sent, push } = fakeServer(
    'chat-e',
    (since) => (since?.epoch === 'e2' ? Array.from({ length: 4 - since.offset }, (_, i) => ({ type: 'message', room: 'chat-e', data: `e2-${since.offset + 1 + i}`, offset: since.offset + 1 + i, epoch: 'e2' })) : []),
    (since) => ({ epoch: since ? 'e2' : 'e1', offset: since ? 4 : 0, ...(since ? { recovered: since.epoch === 'e2' } : {}) }),
  );
  t.teardown(() => c.close());
  const got: string[] = [];
  const sub = c.subscribe('chat-e', (f) => { if (f.type === 'message') got.push(f.data as string); });
  await c.connect();
  await sub.ready;
  push({ type: 'message', room: 'chat-e', data: 'e1-1', offset: 1, epoch: 'e1' });
  // The room's Redis failed over: a new epoch, whose first two messages this client never saw live.
  push({ type: 'message', room: 'chat-e', data: 'e2-3', offset: 3, epoch: 'e2' });
  const resubscribed = await next(c, 'resubscribed');
  t.same(resubscribed, { room: 'chat-e', recovered: true });
  t.same(got, ['e1-1', 'e2-1', 'e2-2', 'e2-3', 'e2-4'], 'the new epoch from its first message, in order, once');
  t.same(sent.filter((f) => f.type === 'subscribe').map((f) => f.since ?? null), [null, { offset: 0, epoch: 'e2' }], 'joined again from the beginning of the new epoch');
});

t.test('history(): pages through a room', async (t) => {
  const srv = await historyServer();
  t.teardown(() => srv.stop());
  const c = client({ url: `ws://127.0.0.1:${srv.port}/ws`, token: () => jwt('alice') });
  t.teardown(() => c.close());
  const sub = c.subscribe('chat-p', () => {});
  await c.connect();
  await sub.ready;
  for (let i = 0; i < 4; i++) c.publish('chat-p', i);
  await until(() => sub.position?.offset === 4);
  const page = await c.history('chat-p', { reverse: true, limit: 2 });
  t.same(page.data.messages.map((m) => m.data), [3, 2]);
  const rest = await c.history('chat-p', { since: { offset: 2, epoch: page.data.epoch } });
  t.same(rest.data.messages.map((m) => m.offset), [3, 4]);
});

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
