/// <reference lib="dom" />
/**
 * The documentation site (`npm run docs`, scripts/docs/): built here from the repository's
 * Markdown into a folder of its own, served by a plain static file server, then checked the way
 * a reader would meet it — every link on every page answers (no 404, over HTTP), every page opens
 * in Chromium as a page (not the site's "not found"), every link to a heading finds it, the sidebar
 * lists every page, and the search box finds a term and leads to the page that has it.
 */
import t from 'tap';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { launchChromium, openPage } from '@actorwire/example-support/browser';
// @ts-expect-error: a plain .mjs script, no declarations
import { buildSite } from '../docs/build.mjs';
// @ts-expect-error: a plain .mjs script, no declarations
import { sitePage, pageUrl, sitePath } from '../docs/pages.mjs';

t.setTimeout(240_000);

const TYPES = new Map([['.html', 'text/html'], ['.js', 'text/javascript'], ['.css', 'text/css'], ['.json', 'application/json'], ['.png', 'image/png'], ['.svg', 'image/svg+xml'], ['.woff2', 'font/woff2']]);

/** Files as any static host serves them: `/a/` → `a/index.html`; anything else missing is 404. */
async function serve(dir: string): Promise<{ base: string; close(): Promise<void> }> {
  const srv: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    let file = normalize(join(dir, path));
    if (!file.startsWith(dir)) return void res.writeHead(403).end();
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    res.writeHead(200, { 'content-type': TYPES.get(extname(file)) ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => { srv.closeAllConnections(); srv.close(() => resolve()); }),
  };
}

t.test('links become pages, assets or the repository', async (t) => {
  const pages = new Map([
    ['README.md', { repoPath: 'README.md', site: 'index.md' }],
    ['docs/protocol.md', { repoPath: 'docs/protocol.md', site: 'docs/protocol.md' }],
    ['plugins/auth/README.md', { repoPath: 'plugins/auth/README.md', site: 'plugins/auth/index.md' }],
  ]);
  const root = join(import.meta.dirname, '../..');
  const assets = new Set<string>();
  const text = [
    'See [auth](../plugins/auth/README.md#tokens), [home](../README.md), [the kernel source](../core/src/kernel.ts),',
    '[plugins folder](../plugins/), [the picture](admin-page.png), [web](https://example.com/x.md) and [here](#below).',
    'A `<room>` in code stays, a <room> in text is escaped, {{ too.',
    '```',
    '[not a link](../README.md) <raw>',
    '```',
  ].join('\n');
  const out: string = sitePage(root, { repoPath: 'docs/operations.md', text }, pages, 'https://github.com/acme/aw', assets);
  t.match(out, '[auth](/plugins/auth/#tokens)', 'a page, with its anchor');
  t.match(out, '[home](/)');
  t.match(out, '[the kernel source](https://github.com/acme/aw/blob/main/core/src/kernel.ts)', 'a source file: the repository');
  t.match(out, '[plugins folder](https://github.com/acme/aw/tree/main/plugins)', 'a folder: its tree');
  t.match(out, '[the picture](/docs/admin-page.png)');
  t.same([...assets], ['docs/admin-page.png'], 'the image is copied');
  t.match(out, '[web](https://example.com/x.md)');
  t.match(out, '[here](#below)');
  t.match(out, 'A `<room>` in code stays, a &lt;room> in text is escaped, &#123;&#123; too.');
  t.match(out, '```\n[not a link](../README.md) <raw>\n```', 'code blocks are left alone');
  t.equal(sitePath('plugins/auth/README.md'), 'plugins/auth/index.md');
  t.equal(pageUrl('docs/protocol.md'), '/docs/protocol.html');
});

t.test('the built site: every link answers, every page opens, search finds a term', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'actorwire-docs-'));
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const built = (await buildSite({ outDir: out, quiet: true })) as { pages: Array<{ repoPath: string; url: string; title: string }> };
  t.ok(built.pages.length >= 30, `${built.pages.length} pages`);
  for (const must of ['README.md', 'docs/protocol.md', 'docs/plugins.md', 'plugins/auth/README.md', 'client/README.md', 'CHANGELOG.md']) {
    t.ok(built.pages.some((p) => p.repoPath === must), `${must} is a page`);
  }
  const site = await serve(out);
  t.teardown(() => site.close());

  // Over HTTP: every href and src on every page, from the home page outwards.
  const seen = new Map<string, number>();
  const anchors: Array<{ from: string; page: string; id: string }> = [];
  const queue = ['/'];
  while (queue.length > 0) {
    const url = queue.shift()!;
    if (seen.has(url)) continue;
    const res = await fetch(site.base + url);
    seen.set(url, res.status);
    if (res.status !== 200 || !(res.headers.get('content-type') ?? '').startsWith('text/html')) {
      await res.arrayBuffer();
      continue;
    }
    const html = await res.text();
    for (const m of html.matchAll(/\s(?:href|src)="([^"]+)"/g)) {
      const target = new URL(m[1]!.replace(/&amp;/g, '&'), site.base + url);
      if (target.origin !== site.base) continue;
      const path = target.pathname;
      if (target.hash && path.endsWith('.html') || (target.hash && path.endsWith('/'))) anchors.push({ from: url, page: path, id: decodeURIComponent(target.hash.slice(1)) });
      if (!seen.has(path)) queue.push(path);
    }
  }
  const broken = [...seen].filter(([, status]) => status !== 200);
  t.same(broken, [], `every one of ${seen.size} internal links answers 200`);
  for (const p of built.pages) t.equal(seen.get(p.url), 200, `${p.repoPath} is reachable from the home page (${p.url})`);

  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const problems: string[] = [];
  const page = await openPage(browser, `${site.base}/`, (line) => problems.push(line), 'docs');
  // The console says "404" without the address: name it.
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()} ${new URL(r.url()).pathname}`); });
  await page.waitForSelector('.VPSidebar', { timeout: 15_000 });
  const sidebar = await page.$$eval('.VPSidebar a', (as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
  for (const p of built.pages) t.ok(sidebar.includes(p.url), `the sidebar lists ${p.title}`);

  // Every page in the browser: a page with its title, not the site's "not found".
  const ids = new Map<string, Set<string>>();
  for (const p of built.pages) {
    await page.goto(site.base + p.url, { waitUntil: 'load' });
    await page.waitForSelector('.vp-doc h1, .NotFound', { timeout: 15_000 });
    const found = await page.evaluate(() => ({ notFound: document.querySelector('.NotFound') !== null, h1: document.querySelector('.vp-doc h1')?.textContent ?? '', ids: [...document.querySelectorAll('[id]')].map((e) => e.id) }));
    t.notOk(found.notFound, `${p.url} is a page`);
    t.ok(found.h1.length > 0, `${p.url} has its title (${found.h1.replace(/\s+/g, ' ').trim().slice(0, 60)})`);
    ids.set(p.url, new Set(found.ids));
  }
  const missing = anchors.filter((a) => ids.has(a.page) && !ids.get(a.page)!.has(a.id)).map((a) => `${a.from} → ${a.page}#${a.id}`);
  t.same([...new Set(missing)], [], `every one of ${anchors.length} links to a heading finds it`);

  // Search: the box opens, finds a term that appears on one page, and leads there.
  await page.goto(`${site.base}/`, { waitUntil: 'load' });
  await page.waitForSelector('.VPNavBarSearch button', { timeout: 15_000 });
  await page.click('.VPNavBarSearch button');
  await page.waitForSelector('#localsearch-input', { timeout: 10_000 });
  await page.type('#localsearch-input', 'Sentinel failover');
  await page.waitForFunction(() => document.querySelectorAll('.VPLocalSearchBox .results li').length > 0, { polling: 100, timeout: 10_000 });
  const results = await page.$$eval('.VPLocalSearchBox .results li a', (as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
  t.ok(results.includes('/docs/operations.html'), `search finds "Sentinel failover" in the operations guide (${results.slice(0, 5).join(', ')})`);
  await page.click(`.VPLocalSearchBox .results li a[href^="/docs/operations.html"]`);
  await page.waitForFunction(() => location.pathname === '/docs/operations.html', { polling: 100, timeout: 10_000 });
  t.match(await page.$eval('.vp-doc h1', (e) => e.textContent ?? ''), /Operat/i, 'the result opens the page');
  t.same(problems, [], 'no console error or page error');
});
