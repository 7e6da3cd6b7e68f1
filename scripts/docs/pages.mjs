/**
 * The documentation site's pages: which Markdown files of the repository become pages, where, in
 * which sidebar group, and their text made ready for the site generator — links between pages
 * point at pages, links to anything else (source files, folders without a README) at the
 * repository, and text the generator would read as markup (`<word>` outside code) is escaped.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

/** Sidebar groups, in order: a group is a list of repository paths (globs of one `*` segment). */
export const GROUPS = [
  ['Guide', ['README.md', 'docs/protocol.md', 'docs/plugins.md', 'docs/operations.md', 'docs/security.md', 'docs/releasing.md']],
  ['Server and kernel', ['server/README.md', 'core/README.md']],
  ['Plugins', ['plugins/*/README.md']],
  ['Clients', ['client/README.md', 'packages/react/README.md']],
  ['Libraries', ['packages/*/README.md']],
  ['Examples', ['examples/*/README.md']],
  ['Project', ['bench/README.md', 'CHANGELOG.md']],
];

/** Where a repository Markdown file goes in the site: `a/README.md` → `a/index.md`, the root README → `index.md`. */
export function sitePath(repoPath) {
  if (repoPath === 'README.md') return 'index.md';
  if (repoPath === 'CHANGELOG.md') return 'changelog.md';
  return repoPath.endsWith('/README.md') ? `${repoPath.slice(0, -'README.md'.length)}index.md` : repoPath;
}

/** The URL of a site page (what a browser asks for): `a/index.md` → `/a/`, `docs/x.md` → `/docs/x.html`. */
export function pageUrl(site) {
  if (site === 'index.md') return '/';
  return site.endsWith('/index.md') ? `/${site.slice(0, -'index.md'.length)}` : `/${site.slice(0, -3)}.html`;
}

function expand(root, pattern) {
  const star = pattern.indexOf('*');
  if (star < 0) return existsSync(join(root, pattern)) ? [pattern] : [];
  const base = pattern.slice(0, star);
  const rest = pattern.slice(star + 2);
  const dir = join(root, base);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().map((name) => `${base}${name}/${rest}`).filter((p) => existsSync(join(root, p)));
}

/** The pages, each once (the first group that names it), with their group and title (the first `# ` heading). */
export function pages(root) {
  const seen = new Set();
  const out = [];
  for (const [group, patterns] of GROUPS) {
    for (const pattern of patterns) {
      for (const repoPath of expand(root, pattern)) {
        if (seen.has(repoPath)) continue;
        seen.add(repoPath);
        const text = readFileSync(join(root, repoPath), 'utf8');
        const title = /^# (.+)$/m.exec(text)?.[1]?.replace(/`/g, '').trim() ?? repoPath;
        out.push({ repoPath, site: sitePath(repoPath), group, title, text });
      }
    }
  }
  return out;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * A page's Markdown for the site: every relative link resolved against the page's folder in the
 * repository, then pointed at the page that renders it, at a copied asset, or at the repository.
 * `assets` collects the files to copy (images the pages show).
 */
export function sitePage(root, page, byRepoPath, repoUrl, assets) {
  const from = posix.dirname(page.repoPath);
  const link = (target) => {
    if (target.startsWith('#') || SCHEME.test(target) || target.startsWith('/')) return target;
    const hash = target.indexOf('#');
    const path = hash < 0 ? target : target.slice(0, hash);
    const anchor = hash < 0 ? '' : target.slice(hash);
    const resolved = posix.normalize(posix.join(from, decodeURI(path))).replace(/\/$/, '');
    if (resolved.startsWith('..')) return target;
    const readme = byRepoPath.get(resolved) ?? byRepoPath.get(resolved === '.' ? 'README.md' : `${resolved}/README.md`);
    if (readme !== undefined) return pageUrl(readme.site) + anchor;
    const abs = join(root, resolved);
    if (/\.(png|jpe?g|gif|svg|webp)$/i.test(resolved) && existsSync(abs)) {
      assets.add(resolved);
      return `/${resolved}`;
    }
    const kind = existsSync(abs) && statSync(abs).isDirectory() ? 'tree' : 'blob';
    return `${repoUrl}/${kind}/main/${resolved}${anchor}`;
  };
  const lines = page.text.split('\n');
  let fence = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*(```|~~~)/.test(line)) {
      fence = !fence;
      continue;
    }
    if (fence) continue;
    let out = line.replace(/(!?\[[^\]]*\])\(([^)\s]+)(\s+"[^"]*")?\)/g, (_, label, target, title = '') => `${label}(${link(target)}${title})`);
    // Outside code spans, `<word>` would be read as an element and `{{` as an interpolation.
    out = out.split('`').map((part, j) => (j % 2 === 1 ? part : part.replace(/<(?=[A-Za-z])/g, '&lt;').replace(/\{\{/g, '&#123;&#123;'))).join('`');
    lines[i] = out;
  }
  return lines.join('\n');
}

/** The repository's web address, from core's package.json (`git+https://…/x.git` → `https://…/x`). */
export function repositoryUrl(root) {
  const pkg = JSON.parse(readFileSync(join(root, 'core/package.json'), 'utf8'));
  const url = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url ?? '';
  return url.replace(/^git\+/, '').replace(/\.git$/, '');
}

