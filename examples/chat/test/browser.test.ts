/// <reference lib="dom" />
/**
 * The chat page in a real browser (Debian's Chromium, headless, driven by puppeteer-core): two
 * pages chat and see each other in the presence list; the server restarts under them and they
 * reconnect, rejoin and chat again by themselves (and say that messages may be missing: the
 * history was in memory); a page opened later shows the room's last messages; short-lived tokens are refreshed through the
 * page's token callback without the session closing. Screenshots go to test-output/.
 */
import t from 'tap';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';
import { startTestServer, type TestServer } from '@actorwire/testing';
import { freePort, launchChromium, openPage, retry, screenshot } from '@actorwire/example-support/browser';
import authPlugin from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import history from '@actorwire/plugin-history';
import { chatPage } from '../plugin.js';

const SECRET = 'chat-browser-test-secret-0123456789-abcdefgh';
const OUT = fileURLToPath(new URL('../test-output/', import.meta.url));

// The example's demo token endpoint, with tokens that live 4 s: refreshed every ~2 s.
process.env.CHAT_DEMO_TOKENS = '1';
process.env.CHAT_DEMO_TOKEN_TTL = '4';
process.env.JWT_SECRET = SECRET;

function start(port: number): Promise<TestServer> {
  return startTestServer({ plugins: [[authPlugin, { secret: SECRET }], [rooms, { presenceEvents: ['*'] }], [history, { rooms: [{ pattern: '*', size: 200 }] }], chatPage], config: { port } });
}

const logText = (p: Page) => p.$eval('#log', (el) => el.textContent ?? '');
// Timer polling: requestAnimationFrame (puppeteer's default) never runs in the tab not in front.
const waitLog = (p: Page, text: string, timeout = 10_000) =>
  p.waitForFunction((s) => document.getElementById('log')!.textContent!.includes(s), { polling: 100, timeout }, text);
const shot = (p: Page, name: string) => screenshot(p, OUT, name);
const state = (p: Page) => p.evaluate(() => (window as unknown as { chat: { state: string } }).chat.state);

t.test('two pages chat; the server restarts under them; tokens refresh', async (t) => {
  const port = await freePort();
  let srv = await start(port);
  t.teardown(() => srv.stop());
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const alice = await openPage(browser, `${srv.httpBase}/chat?user=alice#lobby`, (l) => t.comment(l), 'alice');
  const bob = await openPage(browser, `${srv.httpBase}/chat?user=bob#lobby`, (l) => t.comment(l), 'bob');
  for (const p of [alice, bob]) await waitLog(p, 'joined lobby');
  await alice.waitForFunction(() => document.getElementById('count')!.textContent === '2', { polling: 100, timeout: 5000 });
  t.same(await alice.$$eval('#people li', (lis) => lis.map((li) => li.textContent).sort()), ['alice', 'bob'], 'presence: both listed');
  await waitLog(alice, 'bob joined');
  t.pass('alice saw bob join');

  await bob.type('input[name=text]', 'Hello from Bob');
  await bob.keyboard.press('Enter');
  await waitLog(alice, 'bob: Hello from Bob');
  t.match(await alice.$eval('#log p:last-child time', (el) => el.textContent), /\d/, 'messages carry their time');
  await shot(alice, 'chat-two-pages.png');

  // A page opened later shows the room's last messages (history), above its own lines.
  const carol = await openPage(browser, `${srv.httpBase}/chat?user=carol#lobby`, (l) => t.comment(l), 'carol');
  await waitLog(carol, 'bob: Hello from Bob');
  t.same(await carol.$$eval('#log p.old', (ps) => ps.map((p) => p.lastChild!.textContent)), ['bob: Hello from Bob'], 'the earlier message, from the history');
  t.match(await carol.$eval('#log p:first-child', (el) => el.textContent), /Hello from Bob/, 'at the top');
  await carol.close();

  // The server restarts: both pages show the banner, come back by themselves and rejoin the room.
  await srv.stop();
  await alice.waitForFunction(() => document.getElementById('banner')!.classList.contains('on'), { polling: 100, timeout: 5000 });
  t.match(await alice.$eval('#banner', (el) => el.textContent), /reconnecting/i, 'the banner says it is reconnecting');
  await shot(alice, 'chat-reconnecting.png');
  const back = Date.now();
  srv = await retry(() => start(port));
  // Up to the backoff's 30 s ceiling: the attempts made while the server was down grew it.
  for (const p of [alice, bob]) await waitLog(p, 'reconnected', 40_000);
  // The history was in the old process's memory: the page says messages may be missing.
  await waitLog(alice, 'messages sent to lobby while you were away may be missing');
  const reconnectMs = Date.now() - back;
  t.comment(`both pages reconnected ${reconnectMs} ms after the server was back`);
  await alice.waitForFunction(() => !document.getElementById('banner')!.classList.contains('on'), { polling: 100, timeout: 5000 });
  await bob.waitForFunction(() => !(document.querySelector('input[name=text]') as HTMLInputElement).disabled, { polling: 100, timeout: 5000 });
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
