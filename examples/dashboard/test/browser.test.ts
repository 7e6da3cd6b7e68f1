/// <reference lib="dom" />
/**
 * The dashboard page in headless Chromium against a real Kafka broker (the one `npm test`
 * provisions, KAFKA_BROKERS) and the example's REST backend: a section's tables from the snapshots plugin and
 * the restaurant's payments from the analytics plugin, each updating on the page when a Kafka
 * record about them arrives.
 */
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '@actorwire/testing';
import { launchChromium, openPage, screenshot, waitText } from '@actorwire/example-support/browser';
import analytics from '@actorwire/plugin-analytics';
import authPlugin from '@actorwire/plugin-auth';
import kafkaPlugin from '@actorwire/plugin-kafka';
import rooms from '@actorwire/plugin-rooms';
import snapshots from '@actorwire/plugin-snapshots';
import { BROKERS, consuming, createTopics, produce, unique } from '../../../plugins/kafka/test/support.js';
import { startBackend } from '../backend.js';
import { dashboardPage } from '../plugin.js';

const SECRET = 'dashboard-browser-test-secret-0123456789-abc';
const OUT = fileURLToPath(new URL('../test-output/', import.meta.url));
process.env.DASHBOARD_DEMO_TOKENS = '1';
process.env.JWT_SECRET = SECRET;

t.test('tables and payments update on the page when Kafka records arrive', async (t) => {
  const tablesTopic = unique('tables.events');
  const paymentsTopic = unique('payments.events');
  await createTopics(tablesTopic, paymentsTopic);
  const backend = await startBackend();
  t.teardown(() => backend.close());
  const entityTopics = [`tables:${tablesTopic}`, `payments:${paymentsTopic}`];
  const srv = await startTestServer({
    plugins: [
      [authPlugin, { secret: SECRET }],
      rooms,
      [kafkaPlugin, { brokers: BROKERS, groupId: unique('dashboard'), fromBeginning: true, entityTopics }],
      [snapshots, { restBaseUrl: backend.url, entityTopics: [entityTopics[0]!], refreshWindow: 100, refreshMaxDelay: 1000 }],
      [analytics, { restBaseUrl: backend.url, entityTopics: [entityTopics[1]!], refreshWindow: 100, refreshMaxDelay: 1000 }],
      dashboardPage,
    ],
  });
  t.teardown(() => srv.stop());
  await consuming(srv);

  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const page = await openPage(browser, `${srv.httpBase}/dashboard?user=owner#hall-1`, (l) => t.comment(l), 'dashboard');
  await page.waitForFunction(() => document.querySelectorAll('#tables .table').length === 6, { polling: 100, timeout: 10_000 });
  t.same(await page.$$eval('#tables .table', (els) => els.map((e) => e.className)), Array(6).fill('table free'), 'the section\'s six tables, all free');
  await waitText(page, '#total', '0.00 €');
  t.pass('the payments panel shows the first snapshot');

  // The restaurant system seats a party at H2 and says so on Kafka.
  backend.setStatus(2, 'occupied');
  await produce(tablesTopic, [{ value: { section_id: 'hall-1', table_id: 2, event: 'table.updated' } }]);
  await page.waitForSelector('#tables .table[data-id="2"].occupied', { timeout: 15_000 });
  t.pass('H2 turned occupied on the page after the record');

  backend.pay('r1', 42.5);
  backend.pay('r2', 99); // another restaurant's payment does not show here
  await produce(paymentsTopic, [{ value: { restaurant_id: 'r1', amount: 42.5 } }]);
  await waitText(page, '#total', '42.50 €', 15_000);
  t.equal(await page.$eval('#count', (el) => el.textContent), '1', 'one payment for r1');
  t.equal(await page.$eval('#error', (el) => el.textContent), '', 'no error shown');
  await screenshot(page, OUT, 'dashboard.png');
});
