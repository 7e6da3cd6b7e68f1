/** The dice plugin against a real kernel and a real WebSocket client (@actorwire/testing). */
import t from 'tap';
import { startTestServer } from '@actorwire/testing';
import dice from '../src/index.js';

t.test('roll answers the asked number of dice within the sides', async (t) => {
  const srv = await startTestServer({ plugins: [[dice, { sides: 4 }]] });
  t.teardown(() => srv.stop());
  const c = await srv.connect('/ws/dice');
  const r = await c.request({ type: 'roll', times: 5 });
  t.equal(r.type, 'rolled');
  const data = r.data as number[];
  t.equal(data.length, 5);
  t.ok(data.every((n) => Number.isInteger(n) && n >= 1 && n <= 4), `every die in 1..4: ${data}`);
});

t.test('bad input gets a clear error and the session stays usable', async (t) => {
  const srv = await startTestServer({ plugins: [[dice, { maxTimes: 3 }]] });
  t.teardown(() => srv.stop());
  const c = await srv.connect('/ws/dice');
  const tooMany = await c.request({ type: 'roll', times: 4 });
  t.equal(tooMany.type, 'error');
  t.equal(tooMany.code, 'INVALID_MESSAGE');
  t.match(tooMany.error, /at most 3 dice per roll/);
  const notInt = await c.request({ type: 'roll', times: 'two' });
  t.equal(notInt.code, 'INVALID_MESSAGE', 'the schema refuses a non-integer');
  const ok = await c.request({ type: 'roll' });
  t.equal((ok.data as number[]).length, 1, 'one die by default');
});

t.test('a shared roll reaches every session on the dice route; /dice/stats counts rolls', async (t) => {
  const srv = await startTestServer({ plugins: [[dice, {}]] });
  t.teardown(() => srv.stop());
  const a = await srv.connect('/ws/dice');
  const b = await srv.connect('/ws/dice');
  const seen = b.next((f) => f.type === 'rolled' && f.room === 'dice');
  const r = await a.request({ type: 'roll', times: 2, share: true });
  const shared = await seen;
  t.same(shared.data, r.data, 'the other session got the same roll');
  const stats = await fetch(`${srv.httpBase}/dice/stats`).then((res) => res.json());
  t.same(stats, { rolls: 2, sides: 6 });
  t.equal(srv.kernel.services.get('diceRoller').rolls, 2, 'the diceRoller service other plugins read counts the same rolls');
});

t.test('options are validated when the kernel starts, naming the plugin', async (t) => {
  await t.rejects(startTestServer({ plugins: [[dice, { sides: 1 }]] }), /dice/);
});

t.test('from an app: @actorwire/client rolls with request() and hears shared rolls on the dice room', async (t) => {
  const { ActorwireClient } = await import('@actorwire/client');
  const WebSocket = (await import('ws')).default;
  const srv = await startTestServer({ plugins: [[dice, { sides: 20 }]] });
  t.teardown(() => srv.stop());
  const open = () => new ActorwireClient({ url: `${srv.wsBase}/ws/dice`, WebSocket: WebSocket as never });
  const player = open();
  const watcher = open();
  t.teardown(() => { player.close(); watcher.close(); });
  await Promise.all([player.connect(), watcher.connect()]);
  const heard = new Promise<unknown>((resolve) => watcher.on('notification', (f) => { if (f.type === 'rolled') resolve(f.data); }));
  const rolled = await player.request<{ type: string; data: number[] }>({ type: 'roll', times: 3, share: true });
  t.equal(rolled.type, 'rolled');
  t.ok(rolled.data.every((n) => n >= 1 && n <= 20));
  t.same(await heard, rolled.data, 'the shared roll reached the other client');
  const refused = await player.request({ type: 'roll', times: 1000 }).catch((e: { code?: string }) => e.code);
  t.equal(refused, 'INVALID_MESSAGE', 'a refusal rejects with its code');
});
