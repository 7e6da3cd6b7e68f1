/// <reference lib="dom" />
/**
 * The live admin page in headless Chromium (Debian's chromium + puppeteer-core): with the admin
 * token it shows live numbers that change as clients connect, join rooms, send and err; Redis
 * (REDIS_URL) appears in its health table. Without the token the data routes answer 401, and
 * the page asks for it. Screenshot: test-output/admin-page.png.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { startTestServer, type TestClient } from '@actorwire/testing';
import authPlugin from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import redisPubSub from '@actorwire/plugin-redis-pubsub';
import admin from '../src/index.js';
import { launchChromium, openPage, screenshot, waitText } from '@actorwire/example-support/browser';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'admin-page-test-secret-0123456789-abcdefghijk';
const ADMIN_TOKEN = `admin-${randomBytes(12).toString('hex')}`;
const OUT = new URL('../../../test-output/', import.meta.url).pathname;
const jwt = (sub: string) =>
  new SignJWT({ sub, exp: Math.floor(Date.now() / 1000) + 600 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));

const srv = await startTestServer({
  plugins: [[authPlugin, { secret: SECRET }], rooms, [redisPubSub, { url: REDIS_URL, keyPrefix: `adm${randomBytes(3).toString('hex')}:` }], [admin, { token: ADMIN_TOKEN }]],
});
t.teardown(() => srv.stop());

t.test('data routes want the admin token; the page carries none and a strict CSP', async (t) => {
  for (const auth of [undefined, 'Bearer wrong-token-0123456789', `Basic ${ADMIN_TOKEN}`]) {
    for (const path of ['/admin/stream', '/admin/snapshot']) {
      const res = await fetch(`${srv.httpBase}${path}`, { headers: auth ? { authorization: auth } : {} });
      t.equal(res.status, 401, `${path} with ${auth ?? 'no authorization'}`);
      t.equal(res.headers.get('www-authenticate'), 'Bearer');
      await res.body?.cancel();
    }
  }
  const page = await fetch(`${srv.httpBase}/admin`);
  t.equal(page.status, 200);
  t.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  t.notMatch(await page.text(), ADMIN_TOKEN, 'the page holds no secret');
  const snap = await fetch(`${srv.httpBase}/admin/snapshot`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  const body = (await snap.json()) as { connections: number; components: Record<string, { status: string }> };
  t.equal(body.connections, 0);
  t.equal(body.components.redis?.status, 'up', 'Redis health is part of it');
});

t.test('the page shows live numbers that change as clients come, join, send and err', async (t) => {
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const problems: string[] = [];
  const page = await openPage(browser, `${srv.httpBase}/admin#token=${encodeURIComponent(ADMIN_TOKEN)}`, (l) => problems.push(l), 'admin');
  await waitText(page, '#link', 'live');
  t.equal(await page.evaluate(() => location.hash), '', 'the token left the address bar');
  await waitText(page, '#connections', '0');
  await waitText(page, '#components', 'redis');

  const clients: TestClient[] = [];
  for (const who of ['ann', 'ben', 'cat']) clients.push(await srv.connect(`/ws?token=${await jwt(who)}`));
  await clients[0]!.request({ type: 'subscribe', room: 'lobby' });
  await clients[1]!.request({ type: 'subscribe', room: 'lobby' });
  await clients[2]!.request({ type: 'subscribe', room: 'kitchen' });
  await page.waitForFunction(() => document.querySelector('#connections')?.textContent === '3', { polling: 100, timeout: 10_000 });
  await page.waitForFunction(() => document.querySelector('#rooms')?.textContent === '2', { polling: 100, timeout: 10_000 });
  const top = await page.$$eval('#top-rooms tr', (rows) => rows.map((r) => Array.from(r.querySelectorAll('td'), (td) => td.textContent)));
  t.same(top, [['lobby', '2'], ['kitchen', '1']], 'rooms by members, the largest first');

  // Traffic and an error: the rates and the error table move.
  for (let i = 0; i < 20; i++) clients[0]!.send({ type: 'publish', room: 'lobby', data: { i } });
  clients[2]!.send('{not json');
  await page.waitForFunction(() => Number(document.querySelector('#rate-received')?.textContent?.replace(/[^\d.]/g, '')) > 0, { polling: 100, timeout: 10_000 });
  await waitText(page, '#errors', 'INVALID_JSON');
  await waitText(page, '#types', 'publish');
  const redisRow = await page.$$eval('#components tr', (rows) => rows.map((r) => r.textContent ?? '').find((x) => x.startsWith('redis')));
  t.match(redisRow, /redis\s*up/, 'Redis is up in the health table');
  await page.setViewport({ width: 1200, height: 860 });
  await screenshot(page, OUT, 'admin-page.png');

  for (const c of clients) c.close();
  await page.waitForFunction(() => document.querySelector('#connections')?.textContent === '0', { polling: 100, timeout: 10_000 });
  t.pass('the connection count went back to 0 as clients left');
  t.same(problems, [], 'no console errors');
});

t.test('without a token the page asks for one, and says when it is refused', async (t) => {
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const page = await openPage(browser, `${srv.httpBase}/admin`, () => undefined, 'admin');
  await page.waitForSelector('#login-form', { visible: true });
  await page.type('#token', 'not-the-admin-token');
  await page.click('#login-form button');
  await waitText(page, '#error', 'the token was refused');
  await page.type('#token', ADMIN_TOKEN);
  await page.$eval('#token', (el) => { (el as HTMLInputElement).value = ''; });
  await page.type('#token', ADMIN_TOKEN);
  await page.click('#login-form button');
  await waitText(page, '#link', 'live');
  t.pass('the right token opens the stream');
});

t.test('without a token the plugin mounts nothing', async (t) => {
  const bare = await startTestServer({ plugins: [admin] });
  t.teardown(() => bare.stop());
  for (const path of ['/admin', '/admin/app.js', '/admin/snapshot', '/admin/stream']) {
    t.equal((await fetch(`${bare.httpBase}${path}`)).status, 404, `${path}: not mounted`);
  }
});
