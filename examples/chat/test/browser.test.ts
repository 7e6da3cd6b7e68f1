/// <reference lib="dom" />
/**
 * The chat page in a real browser (Debian's Chromium, headless, driven by puppeteer-core): two
 * pages chat and see each other in the presence list; the server restarts under them and they
 * reconnect, rejoin and chat again by themselves; short-lived tokens are refreshed through the
 * page's token callback without the session closing. Screenshots go to test-output/.
 */
import t from 'tap';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { startTestServer, type TestServer } from '@actorwire/core/testing';
import authPlugin from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import { chatPage } from '../plugin.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SECRET = 'chat-browser-test-secret-0123456789-abcdefgh';
const OUT = fileURLToPath(new URL('../test-output/', import.meta.url));
mkdirSync(OUT, { recursive: true });

// The example's demo token endpoint, with tokens that live 4 s: refreshed every ~2 s.
process.env.CHAT_DEMO_TOKENS = '1';
process.env.CHAT_DEMO_TOKEN_TTL = '4';
process.env.JWT_SECRET = SECRET;

function start(port: number): Promise<TestServer> {
  return startTestServer({ plugins: [[authPlugin, { secret: SECRET }], [rooms, { presenceEvents: ['*'] }], chatPage], config: { port } });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function restartOn(port: number): Promise<TestServer> {
  for (let i = 0; ; i++) {
    try {
      return await start(port);
    } catch (err) {
      if (i >= 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

const logText = (p: Page) => p.$eval('#log', (el) => el.textContent ?? '');
const waitLog = (p: Page, text: string, timeout = 10_000) =>
  p.waitForFunction((s) => document.getElementById('log')!.textContent!.includes(s), { timeout }, text);
/** Only the tab in front renders: a screenshot of a background tab would wait forever. */
async function shot(p: Page, name: string): Promise<void> {
  await p.bringToFront();
  await p.screenshot({ path: `${OUT}${name}` });
}
const state = (p: Page) => p.evaluate(() => (window as unknown as { chat: { state: string } }).chat.state);

t.test('two pages chat; the server restarts under them; tokens refresh', async (t) => {
  const port = await freePort();
  let srv = await start(port);
  t.teardown(() => srv.stop());
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  } catch (err) {
    throw new Error(`cannot start Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it): ${(err as Error).message}`);
  }
  t.teardown(() => browser.close());
  const alice = await browser.newPage();
  const bob = await browser.newPage();
  for (const [name, p] of [['alice', alice], ['bob', bob]] as const) {
    p.on('console', (m) => { if (m.type() === 'error') t.comment(`${name} console: ${m.text()}`); });
    p.on('pageerror', (e) => t.comment(`${name} page error: ${String(e)}`));
  }
  await alice.setViewport({ width: 900, height: 640 });
  await alice.goto(`${srv.httpBase}/chat?user=alice#lobby`);
  await bob.goto(`${srv.httpBase}/chat?user=bob#lobby`);
  for (const p of [alice, bob]) await waitLog(p, 'joined lobby');
  await alice.waitForFunction(() => document.getElementById('count')!.textContent === '2', { timeout: 5000 });
  t.same(await alice.$$eval('#people li', (lis) => lis.map((li) => li.textContent).sort()), ['alice', 'bob'], 'presence: both listed');
  await waitLog(alice, 'bob joined');
  t.pass('alice saw bob join');

  await bob.type('input[name=text]', 'Hello from Bob');
  await bob.keyboard.press('Enter');
  await waitLog(alice, 'bob: Hello from Bob');
  t.match(await alice.$eval('#log p:last-child time', (el) => el.textContent), /\d/, 'messages carry their time');
  await shot(alice, 'chat-two-pages.png');

  // The server restarts: both pages show the banner, come back by themselves and rejoin the room.
  await srv.stop();
  await alice.waitForFunction(() => document.getElementById('banner')!.classList.contains('on'), { timeout: 5000 });
  t.match(await alice.$eval('#banner', (el) => el.textContent), /reconnecting/i, 'the banner says it is reconnecting');
  await shot(alice, 'chat-reconnecting.png');
  const back = Date.now();
  srv = await restartOn(port);
  for (const p of [alice, bob]) await waitLog(p, 'reconnected', 15_000);
  const reconnectMs = Date.now() - back;
  t.comment(`both pages reconnected ${reconnectMs} ms after the server was back`);
  await alice.waitForFunction(() => !document.getElementById('banner')!.classList.contains('on'), { timeout: 5000 });
  await bob.waitForFunction(() => !(document.querySelector('input[name=text]') as HTMLInputElement).disabled, { timeout: 5000 });
  await bob.type('input[name=text]', 'still here after the restart');
  await bob.keyboard.press('Enter');
  await waitLog(alice, 'bob: still here after the restart');
  t.pass('the room was rejoined by itself: messages flow again');

  // Tokens live 4 s and are refreshed through the callback (~every 2 s): still connected after 5 s.
  const before = await alice.evaluate(() => ((window as unknown as { chatTokens?: unknown[] }).chatTokens ?? []).length);
  await new Promise((r) => setTimeout(r, 5000));
  const tokens = await alice.evaluate(() => (window as unknown as { chatTokens: number[] }).chatTokens);
  t.ok(tokens.length >= before + 2, `refreshed through the callback (${tokens.length - before} times in 5 s)`);
  t.ok(tokens.at(-1)! > tokens[0]!, 'each refresh a later expiry');
  t.equal(await state(alice), 'connected', 'the session outlived its first tokens');
  t.notMatch(await logText(alice), /4401|token expired/, 'never closed for an expired token');
  await shot(alice, 'chat-after-refresh.png');
});
