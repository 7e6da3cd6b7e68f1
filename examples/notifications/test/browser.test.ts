/// <reference lib="dom" />
/**
 * The notifications page in headless Chromium, on two instances sharing a real Redis: bob's page
 * on instance B shows what a backend sends through `POST /api/notify` on instance A (and alice's
 * page on A only hers); instance B restarts under bob's page, which reconnects by itself and
 * keeps receiving; its short-lived tokens are refreshed through the page's callback.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';
import { startTestServer, type TestServer } from '@actorwire/testing';
import { demoToken } from '@actorwire/example-support';
import { freePort, launchChromium, openPage, retry, screenshot, waitText } from '@actorwire/example-support/browser';
import authPlugin from '@actorwire/plugin-auth';
import redisPubSub from '@actorwire/plugin-redis-pubsub';
import rooms from '@actorwire/plugin-rooms';
import { notificationsPage } from '../plugin.js';

const SECRET = 'notifications-browser-test-secret-0123456789';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const OUT = fileURLToPath(new URL('../test-output/', import.meta.url));
const keyPrefix = `t${randomBytes(4).toString('hex')}:`; // this test's own corner of the shared Redis
process.env.NOTIFICATIONS_DEMO_TOKENS = '1';
process.env.NOTIFICATIONS_DEMO_TOKEN_TTL = '4';
process.env.JWT_SECRET = SECRET;

function instance(port: number): Promise<TestServer> {
  return startTestServer({
    plugins: [[authPlugin, { secret: SECRET }], rooms, [redisPubSub, { url: REDIS_URL, keyPrefix, retryBase: 50, retryMax: 300, connectTimeout: 1000 }], notificationsPage],
    config: { port },
  });
}

async function notify(srv: TestServer, body: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${srv.httpBase}/api/notify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${demoToken(SECRET, 'backend', 60, { role: 'service' })}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

const count = (p: Page) => p.$eval('#count', (el) => Number(el.textContent));

t.test('notifications across two instances; a restart under the page; token refresh', async (t) => {
  const a = await instance(0);
  const portB = await freePort();
  let b = await instance(portB);
  t.teardown(async () => { await a.stop(); await b.stop(); });
  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const bob = await openPage(browser, `${b.httpBase}/notifications?user=bob`, (l) => t.comment(l), 'bob');
  const alice = await openPage(browser, `${a.httpBase}/notifications?user=alice`, (l) => t.comment(l), 'alice');
  await waitText(bob, '#status', 'connected to');
  await waitText(alice, '#status', 'connected to');

  t.equal(await notify(a, { user_id: 'bob', event: 'order.shipped', data: { order_id: 42 } }), 202, 'POST /api/notify on instance A');
  await waitText(bob, '#list', 'order.shipped');
  t.match(await bob.$eval('#list li', (li) => li.textContent), /"order_id": 42/, 'bob, on instance B, sees it');
  t.equal(await notify(b, { user_id: 'alice', event: 'invoice.ready', data: { invoice: 'F-7' } }), 202, 'and one for alice through B');
  await waitText(alice, '#list', 'invoice.ready');
  t.equal(await count(alice), 1, 'alice sees only hers');
  t.equal(await count(bob), 1, 'bob only his');
  await screenshot(bob, OUT, 'notifications.png');

  // Instance B restarts under bob's page: it comes back by itself and keeps receiving.
  await b.stop();
  await bob.waitForFunction(() => document.getElementById('banner')!.classList.contains('on'), { polling: 100, timeout: 5000 });
  const back = Date.now();
  b = await retry(() => instance(portB));
  // Up to the backoff's 30 s ceiling: the attempts made while B was down grew it.
  await waitText(bob, '#status', 'reconnected', 40_000);
  t.comment(`bob's page reconnected ${Date.now() - back} ms after instance B was back`);
  t.equal(await notify(a, { user_id: 'bob', event: 'order.delivered', data: { order_id: 42 } }), 202);
  await waitText(bob, '#list', 'order.delivered');
  t.equal(await count(bob), 2, 'the notification after the restart arrived, once');

  // 4-second tokens, refreshed through the page's callback: still connected after 5 s.
  const before = await bob.evaluate(() => ((window as unknown as { notificationTokens?: unknown[] }).notificationTokens ?? []).length);
  await new Promise((r) => setTimeout(r, 5000));
  const after = await bob.evaluate(() => (window as unknown as { notificationTokens: unknown[] }).notificationTokens.length);
  t.ok(after >= before + 2, `refreshed ${after - before} times in 5 s`);
  t.equal(await bob.evaluate(() => (window as unknown as { notifications: { state: string } }).notifications.state), 'connected');
  t.equal(await notify(a, { user_id: 'bob', event: 'still.here', data: {} }), 202);
  await waitText(bob, '#list', 'still.here');
  await screenshot(bob, OUT, 'notifications-after-restart.png');
});
