/// <reference lib="dom" />
/**
 * The hooks in a real browser: a small React app (test/app/app.ts, built here with esbuild,
 * under StrictMode) in Debian's Chromium against a real server. Rooms: two pages join, see each
 * other in the presence list, exchange messages; the server restarts under them and the hooks
 * come back by themselves (rejoined, presence asked again, messages flow); unmounting the room's
 * component leaves the room. Entity views: a list and a detail, each refreshed by a change to its
 * view only. Dashboards: the current snapshot at mount, a filter kept across a reconnect.
 */
import t from 'tap';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Page } from 'puppeteer-core';
import { connect, startTestServer, until, type TestServer } from '@actorwire/testing';
import { freePort, launchChromium, openPage, retry, waitText } from '@actorwire/example-support/browser';
import authPlugin from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import snapshots from '@actorwire/plugin-snapshots';
import analytics from '@actorwire/plugin-analytics';
import { SECRET, jwt, startUpstream, type Upstream } from '../../../plugins/snapshots/test/support.js';

t.setTimeout(120_000);

/** The app, bundled as a browser would get it from an app's build. */
async function bundle(): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./app/app.ts', import.meta.url))],
    bundle: true, format: 'esm', platform: 'browser', target: 'es2020', write: false, logLevel: 'silent',
    conditions: ['@actorwire/source'],
    define: { 'process.env.NODE_ENV': '"development"' },
  });
  return out.outputFiles[0]!.text;
}

/** The page and its script, from their own origin (as an app's would be). */
async function serveApp(js: string): Promise<{ base: string; close(): Promise<void> }> {
  const srv: Server = createServer((req, res) => {
    if (req.url?.startsWith('/app.js')) return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(js);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><meta charset="utf-8"><title>app</title><div id="root"></div><script type="module" src="/app.js"></script>');
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => { srv.closeAllConnections(); srv.close(() => resolve()); }),
  };
}

function start(port: number, up: Upstream): Promise<TestServer> {
  return startTestServer({
    config: { port },
    plugins: [
      [authPlugin, { secret: SECRET }],
      [rooms, { presenceEvents: ['*'] }],
      [snapshots, { restBaseUrl: up.url, changesRoles: ['service'] }],
      [analytics, { restBaseUrl: up.url, refreshWindow: 50 }],
    ],
  });
}

const text = (p: Page, sel: string) => p.$eval(sel, (el) => el.textContent ?? '');
// A click as the page's own script makes it: puppeteer's mouse waits for a frame, which a tab not in front never draws.
const click = (p: Page, sel: string) => p.$eval(sel, (el) => (el as HTMLElement).click());

t.test('React hooks in Chromium', async (t) => {
  const [js, up, port] = await Promise.all([bundle(), startUpstream(), freePort()]);
  t.teardown(() => up.close());
  const app = await serveApp(js);
  t.teardown(() => app.close());
  let srv = await start(port, up);
  t.teardown(() => srv.stop());
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const errors: string[] = [];
  // While the server restarts, the browser says each refused connection attempt on the console.
  const report = (line: string) => { if (!/ERR_CONNECTION_REFUSED/.test(line)) errors.push(line); t.comment(line); };
  const open = async (name: string, claims: Record<string, unknown>, query: Record<string, string>) => {
    const search = new URLSearchParams({ token: await jwt(claims), ...query });
    return openPage(browser, `${app.base}/?${search}`, report, name);
  };
  const restart = async () => {
    await srv.stop();
    srv = await retry(() => start(port, up));
  };

  await t.test('useRoom: join, presence, messages, a server restart, unmount leaves', async (t) => {
    const ws = `${srv.wsBase}/ws`;
    const alice = await open('alice', { sub: 'alice' }, { view: 'room', room: 'lobby', ws });
    const bob = await open('bob', { sub: 'bob' }, { view: 'room', room: 'lobby', ws });
    for (const p of [alice, bob]) await waitText(p, '#room-status', 'joined');
    await waitText(alice, '#members', '2: alice×1,bob×1');
    t.pass('presence: the list asked after joining, then the join event of the other page');
    t.match(await text(alice, '#status'), /^connected alice reconnected=false/, 'useActorwire: connected as alice');

    await bob.type('input[name=text]', 'hello');
    await bob.keyboard.press('Enter');
    await waitText(alice, '#messages', 'bob: hello');
    await waitText(bob, '#messages', 'bob: hello');
    t.pass('a message published by one page reaches both');

    await restart();
    for (const p of [alice, bob]) await waitText(p, '#status', 'reconnected=true', 15_000);
    t.match(await text(alice, '#status'), /lastClose=\d{4}/, 'useActorwire says how the last connection ended');
    await waitText(alice, '#members', '2: alice×1,bob×1');
    t.pass('presence asked again after the rejoin');
    await alice.type('input[name=text]', 'back');
    await alice.keyboard.press('Enter');
    await waitText(bob, '#messages', 'alice: back');
    t.pass('the room was joined again: messages flow after the restart');

    await click(alice, '#toggle');
    await waitText(alice, '#left', 'left the room');
    await waitText(bob, '#members', '1: bob×1');
    t.pass('unmounting the component left the room: the other page saw alice leave');
    // Seen from the server too: one member left.
    const probe = await connect(`${srv.wsBase}/ws?token=${await jwt({ sub: 'probe', role: 'admin' })}`);
    t.teardown(() => probe.terminate());
    const list = await probe.request({ type: 'presence', room: 'lobby' });
    t.same(list.data.members, [{ user_id: 'bob', connections: 1 }], 'the server has only bob in the room');
    await click(alice, '#toggle');
    await waitText(bob, '#members', '2: alice×1,bob×1');
    t.pass('mounting it again joins again');
    await alice.close();
    await bob.close();
  });

  await t.test('useEntityView: lists and a detail, each showing its own view', async (t) => {
    const page = await open('waiter', { sub: 'waiter' }, { view: 'entity', entity: 'tables', id: '7', ws: `${srv.wsBase}/ws/tables/hall-1` });
    await waitText(page, '#list-free', 'tables.list /tables status=free v1');
    await waitText(page, '#list-all', 'tables.list /tables status=- v1');
    await waitText(page, '#detail', 'tables.detail /tables/7 v1');
    t.pass('two lists (with and without a query) and a detail, asked at mount on one connection');
    const change = async (body: Record<string, unknown>) => {
      const res = await fetch(`${srv.httpBase}/api/snapshots/changes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await jwt({ sub: 'svc', role: 'service' })}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      t.equal(res.status, 202);
    };
    await change({ entity: 'tables', section: 'hall-1', id: '7' });
    await waitText(page, '#detail', 'tables.detail /tables/7 v2');
    t.pass('a change to table 7 pushes its detail');
    await change({ entity: 'tables', section: 'hall-1' });
    await waitText(page, '#list-free', 'status=free v');
    await page.waitForFunction(() => !/ v1$/.test(document.getElementById('list-free')!.textContent!) && !/ v1$/.test(document.getElementById('list-all')!.textContent!), { polling: 100, timeout: 10_000 });
    // Both lists were pushed to this one session: each hook kept its own.
    t.match(await text(page, '#list-free'), /status=free v[2-9]/, 'the list with a query shows its own snapshot');
    t.match(await text(page, '#list-all'), /status=- v[2-9]/, 'the list without one shows its own');
    await page.close();
  });

  await t.test('useDashboard: the current snapshot at mount, a filter kept across a reconnect', async (t) => {
    const page = await open('boss', { sub: 'boss', role: 'admin' }, { view: 'dashboard', scope: 'admin', entity: 'payments', ws: `${srv.wsBase}/ws/analytics/admin/payments?restaurantId=r1` });
    await waitText(page, '#dashboard', 'startDate=-');
    t.pass('a snapshot without a filter');
    await click(page, '#filter');
    await waitText(page, '#dashboard', 'fetch startDate=2024-01-01');
    await restart();
    await waitText(page, '#status', 'reconnected=true', 15_000);
    await waitText(page, '#dashboard', 'fetch startDate=2024-01-01', 15_000);
    const withFilter = () => up.calls.filter((c) => c.path.includes('payments') && c.query.get('startDate') === '2024-01-01').length;
    await until(async () => withFilter() >= 2, 10_000, 'the filter asked for again after the reconnect');
    t.pass(`the new session was given the filter again (${withFilter()} upstream calls with it)`);
    await click(page, '#refresh');
    await waitText(page, '#dashboard', 'refresh startDate=2024-01-01');
    t.pass('refresh keeps the filter');
    await page.close();
  });

  t.same(errors, [], 'no console error or page error');
});
