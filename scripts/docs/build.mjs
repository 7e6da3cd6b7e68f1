#!/usr/bin/env node
/**
 * `npm run docs`: the documentation site, built with VitePress from the repository's Markdown
 * (pages.mjs says which files, where, and how their links are pointed), with a sidebar and local
 * search. Static files: serve the output folder with any web server.
 *
 *   npm run docs                  build into site/
 *   npm run docs -- --out DIR     build into DIR
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GROUPS, pageUrl, pages, repositoryUrl, sitePage } from './pages.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Two linked nodes: a wire between actors. */
const ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path d="M9 16h14" stroke="#3a6df0" stroke-width="3"/><circle cx="8" cy="16" r="6" fill="#3a6df0"/><circle cx="24" cy="16" r="6" fill="#1f2d5c"/></svg>\n';

/** Stage the pages and the generator's config in `.cache/docs`, then build into `outDir`. */
export async function buildSite({ root = ROOT, outDir = join(ROOT, 'site'), quiet = false } = {}) {
  const stage = join(root, '.cache/docs');
  rmSync(stage, { recursive: true, force: true });
  const all = pages(root);
  const byRepoPath = new Map(all.map((p) => [p.repoPath, p]));
  const repoUrl = repositoryUrl(root);
  const assets = new Set();
  for (const page of all) {
    const file = join(stage, page.site);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, sitePage(root, page, byRepoPath, repoUrl, assets));
  }
  mkdirSync(join(stage, 'public'), { recursive: true });
  for (const asset of assets) cpSync(join(root, asset), join(stage, 'public', asset));
  // The site's icon (without one, every browser asks for /favicon.ico and gets a 404).
  writeFileSync(join(stage, 'public/favicon.svg'), ICON);
  const sidebar = GROUPS.map(([text]) => ({ text, items: all.filter((p) => p.group === text).map((p) => ({ text: p.title, link: pageUrl(p.site) })) })).filter((g) => g.items.length > 0);
  const config = {
    title: 'Actorwire',
    description: 'A realtime WebSocket server for Node.js: a small kernel, plugins, actor sessions.',
    lang: 'en',
    head: [['link', { rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }]],
    // Every link between pages is checked while building: a dead one fails the build.
    ignoreDeadLinks: false,
    themeConfig: {
      nav: [
        { text: 'Guide', link: '/' },
        { text: 'Protocol', link: '/docs/protocol.html' },
        { text: 'Plugins', link: '/docs/plugins.html' },
        { text: 'Operations', link: '/docs/operations.html' },
        { text: 'Changelog', link: '/changelog.html' },
      ],
      sidebar,
      search: { provider: 'local' },
      outline: { level: [2, 3] },
      socialLinks: repoUrl ? [{ icon: 'github', link: repoUrl }] : [],
    },
  };
  mkdirSync(join(stage, '.vitepress'), { recursive: true });
  writeFileSync(join(stage, '.vitepress/config.mjs'), `export default ${JSON.stringify(config, null, 2)};\n`);
  const { build } = await import('vitepress');
  const out = resolve(outDir);
  const log = console.log;
  const info = console.info;
  if (quiet) console.log = console.info = () => undefined;
  try {
    await build(stage, { outDir: out });
  } finally {
    console.log = log;
    console.info = info;
  }
  return { outDir: out, pages: all.map((p) => ({ repoPath: p.repoPath, url: pageUrl(p.site), title: p.title })) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const outDir = i > 0 ? resolve(process.argv[i + 1] ?? 'site') : join(ROOT, 'site');
  const started = Date.now();
  const { pages: built } = await buildSite({ outDir });
  console.log(`docs: ${built.length} pages in ${outDir} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
