/**
 * The dialect mechanism: a plugin-defined encoder/decoder per connection, chosen by route,
 * `?dialect=` or subprotocol; a publish encodes once per dialect present in the topic (never per
 * receiver), frames from other instances too; the dialect's uWS topics are forgotten when empty.
 */
import t from 'tap';
import WebSocket from 'ws';
import { definePlugin, isKernelError, type Dialect, type Frame, type PluginContext } from '../src/index.js';
import { startTestServer } from '@actorwire/testing';
import { Dialects } from '../src/registries/dialects.js';
import { Seal } from '../src/registries/registration.js';
import { TestBroker, brokerPlugin, miniRooms } from './fixtures/plugins.js';

function upper(calls: { encode: number }): Dialect {
  return {
    name: 'upper',
    subprotocols: ['x.upper'],
    encode(frame: Frame & Record<string, unknown>, topic: string | undefined) {
      calls.encode++;
      if (frame.type === 'secret') return undefined;
      return `${String(frame.type).toUpperCase()}|${topic ?? '-'}|${JSON.stringify(frame.data ?? null)}`;
    },
    // Its clients say `{"t":"join","r":room}`.
    decode(raw) {
      return typeof raw.t === 'string' ? { type: raw.t, room: raw.r, data: raw.d } : raw;
    },
  };
}

function withDialect(calls: { encode: number }, hold?: { ctx?: PluginContext }) {
  return definePlugin({
    name: 'upper-dialect', version: '1.0.0', kernel: '^0.2.0',
    register(ctx) {
      ctx.dialects.define(upper(calls));
      if (hold) hold.ctx = ctx;
    },
  });
}

function raw(url: string, protocols: string[] = []): Promise<{ ws: WebSocket; frames: string[]; next(): Promise<string> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    const frames: string[] = [];
    const waiters: Array<(s: string) => void> = [];
    ws.on('message', (d) => {
      const s = d.toString();
      const w = waiters.shift();
      if (w) w(s);
      else frames.push(s);
    });
    ws.on('error', reject);
    ws.on('open', () => resolve({
      ws, frames,
      next: () => new Promise<string>((res, rej) => {
        const f = frames.shift();
        if (f !== undefined) return res(f);
        const timer = setTimeout(() => rej(new Error('no frame')), 3000);
        waiters.push((s) => { clearTimeout(timer); res(s); });
      }),
    }));
  });
}

t.test('one encoding per dialect per publish, decode on the way in, canonical sessions untouched', async (t) => {
  const calls = { encode: 0 };
  const hold: { ctx?: PluginContext } = {};
  const broker = new TestBroker();
  const srv = await startTestServer({ plugins: [brokerPlugin(broker), miniRooms, withDialect(calls, hold)] });
  t.teardown(() => srv.stop());
  const dialected = await Promise.all([0, 1, 2].map(() => raw(`${srv.wsBase}/ws?dialect=upper`)));
  for (const c of dialected) t.match(await c.next(), /^CONNECTED\|-\|\{"client_id":/, 'direct frames are encoded for the session');
  const viaSubprotocol = await raw(`${srv.wsBase}/ws`, ['x.upper']);
  t.equal(viaSubprotocol.ws.protocol, 'x.upper', 'the choosing subprotocol is echoed');
  t.match(await viaSubprotocol.next(), /^CONNECTED\|/);
  const canonical = await srv.connect('/ws');

  for (const c of [...dialected, viaSubprotocol]) {
    c.ws.send(JSON.stringify({ t: 'join', r: 'lobby' }));
    t.match(await c.next(), /^JOINED\|-\|\{"client_count":\d\}$/, 'its own form of join, decoded');
  }
  await canonical.request({ type: 'join', room: 'lobby' });
  t.equal(hold.ctx!.bus.localSubscribers('lobby'), 5, 'local subscribers count every dialect');

  calls.encode = 0;
  canonical.send({ type: 'say', room: 'lobby', data: { n: 1 } });
  const got = await Promise.all([...dialected, viaSubprotocol].map((c) => c.next()));
  t.same(got, Array(4).fill('MESSAGE|lobby|{"n":1}'), 'every dialect session got the encoded frame');
  t.equal(calls.encode, 1, 'encoded once for four receivers');
  const m = await canonical.next('message');
  t.same(m.data, { n: 1 }, 'the canonical session got the canonical frame');

  // A frame from another instance (the broker's delivery) is encoded once too.
  calls.encode = 0;
  broker.deliverRemote!('lobby', JSON.stringify({ type: 'message', room: 'lobby', data: 'remote', timestamp: 1 }));
  t.same(await Promise.all(dialected.map((c) => c.next())), Array(3).fill('MESSAGE|lobby|"remote"'));
  t.equal(calls.encode, 1);
  t.equal((await canonical.next('message')).data, 'remote');

  // A frame the dialect does not render reaches its sessions as nothing.
  hold.ctx!.bus.publish('lobby', { type: 'secret', data: 1 });
  t.equal((await canonical.next('secret')).data, 1);
  hold.ctx!.bus.publish('lobby', { type: 'message', data: 'after' });
  t.equal(await dialected[0]!.next(), 'MESSAGE|lobby|"after"', 'the secret frame was skipped, not queued');
  for (const c of [...dialected, viaSubprotocol]) c.ws.close();
});

t.test('dialect topics are remembered while subscribed and forgotten once empty; fan-out skips what nobody reads', async (t) => {
  // The registry's bookkeeping against uWS's subscriber counts (a stand-in for the app's two calls).
  const counts = new Map<string, number>();
  const published: Array<[string, string]> = [];
  const app = { numSubscribers: (topic: string) => counts.get(topic) ?? 0, publish: (topic: string, text: string) => { published.push([topic, text]); return true; } };
  const dialects = new Dialects(new Seal());
  const calls = { encode: 0 };
  const d = upper(calls);
  dialects.define(d, 'test');
  dialects.attach(app as never);
  const name = dialects.join(d, 'room');
  t.equal(name, 'room\u001fupper');
  t.equal(dialects.join(d, 'room'), name, 'one name per topic');
  t.equal(dialects.trackedTopics('upper'), 1);
  t.equal(dialects.fanOut(app as never, 'room', '{"type":"message","data":1}', undefined), 0, 'remembered but nobody subscribed: nothing sent');
  t.equal(calls.encode, 0, 'and nothing encoded');
  counts.set(name, 3);
  t.equal(dialects.fanOut(app as never, 'room', '{"type":"message","data":1}', undefined), 3);
  t.same(published, [[name, 'MESSAGE|room|1']]);
  dialects.left(d, 'room');
  t.equal(dialects.trackedTopics('upper'), 1, 'still subscribed: kept');
  counts.set(name, 0);
  dialects.left(d, 'room');
  t.equal(dialects.trackedTopics('upper'), 0, 'empty: forgotten');
  t.equal(dialects.fanOut(app as never, 'other', '{}', undefined), 0, 'a topic no dialect session joined costs a lookup');
});

t.test('route dialects; unknown and duplicate dialects fail clearly', async (t) => {
  const calls = { encode: 0 };
  const routed = definePlugin({
    name: 'routed', version: '1.0.0', kernel: '^0.2.0', dependsOn: ['upper-dialect'],
    register(ctx) { ctx.routes.ws('/legacy', { dialect: 'upper', auth: 'none' }); },
  });
  const srv = await startTestServer({ plugins: [miniRooms, withDialect(calls), routed] });
  const legacy = await raw(`${srv.wsBase}/legacy`);
  t.match(await legacy.next(), /^CONNECTED\|/, 'the route\'s dialect');
  const back = await raw(`${srv.wsBase}/legacy?dialect=actorwire`);
  t.equal(JSON.parse(await back.next()).type, 'connected', '?dialect=actorwire overrides it');
  legacy.ws.close();
  back.ws.close();
  await srv.stop();

  const badRoute = definePlugin({
    name: 'bad-route', version: '1.0.0', kernel: '^0.2.0',
    register(ctx) { ctx.routes.ws('/old', { dialect: 'nope' }); },
  });
  const err = await startTestServer({ plugins: [badRoute] }).then(() => undefined, (e: unknown) => e);
  t.ok(isKernelError(err), 'a KernelError');
  t.match((err as Error).message, /route \/old names dialect "nope", which no plugin defines/);

  const twice = definePlugin({ name: 'twice', version: '1.0.0', kernel: '^0.2.0', register(ctx) { ctx.dialects.define(upper(calls)); } });
  const dup = await startTestServer({ plugins: [withDialect(calls), twice] }).then(() => undefined, (e: unknown) => e);
  t.match((dup as Error).message, /plugin "twice" defines dialect "upper", already defined by plugin "upper-dialect"/);
});
