/// <reference lib="dom" />
/**
 * The example pages' browser tests: Debian's Chromium (apt-get install chromium; .ci/run installs
 * it) driven by puppeteer-core, headless, with the flags this machine's closed network needs.
 */
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  try {
    return await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  } catch (err) {
    throw new Error(`cannot start Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it): ${(err as Error).message}`);
  }
}

/** A page whose console errors and exceptions go to `report` (the test's comments). */
export async function openPage(browser: Browser, url: string, report: (line: string) => void, name = 'page'): Promise<Page> {
  const p = await browser.newPage();
  p.on('console', (m) => { if (m.type() === 'error') report(`${name} console: ${m.text()}`); });
  p.on('pageerror', (e) => report(`${name} page error: ${String(e)}`));
  await p.setViewport({ width: 900, height: 640 });
  await p.goto(url);
  return p;
}

/** Only the tab in front renders: a screenshot of a background tab would wait forever. */
export async function screenshot(p: Page, dir: string, name: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await p.bringToFront();
  await p.screenshot({ path: `${dir}/${name}` });
}

/**
 * Resolves when the element's text contains `text`. Polled on a timer: the default polling is
 * requestAnimationFrame, which a tab not in front never runs (a test with two pages hangs on it).
 */
export function waitText(p: Page, selector: string, text: string, timeout = 10_000): Promise<unknown> {
  return p.waitForFunction((sel, s) => document.querySelector(sel)?.textContent?.includes(s) ?? false, { polling: 100, timeout }, selector, text);
}

/** A port nothing listens on now: uWebSockets.js sets SO_REUSEADDR only for an explicit port,
 * which a server restarted on the same port needs (its old connections are in TIME_WAIT). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** `start()` again until the port is free (a moment after the old server stopped). */
export async function retry<T>(start: () => Promise<T>, tries = 50): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await start();
    } catch (err) {
      if (i >= tries) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
