#!/usr/bin/env node
// The release command: bump, write the changelog section, commit, tag, pack.
//
//   npm run release -- <patch|minor|major|X.Y.Z[-pre.N]> [options]
//   npm run release -- current        pack the packages as they are (no bump, no commit): the
//                                     tarballs an app can install before anything is published
//
//   --only a,b       release only these packages (names or folders); default: every publishable one
//   --out DIR        where the tarballs go (default: release/<version>/)
//   --dry-run        print the plan, change nothing
//   --no-git         change files and pack, but do not commit or tag
//   --no-build       pack what is built (the caller built it)
//   --date YYYY-MM-DD  the changelog date (default: today, UTC)
//
// What it does, in order, refusing before any change when something is off:
//  1. checks the work tree is clean and CHANGELOG.md's [Unreleased] section has entries;
//  2. computes the version from the highest current version of the released packages
//     (`minor` of 0.1.3 is 0.2.0; an explicit version must be greater);
//  3. sets it in those packages' package.json and in package-lock.json, and rewrites every
//     workspace's dependency on them (`^old` → `^new`, exact `old` → `new`), so a plugin's
//     peer range on core follows a core release;
//  4. moves [Unreleased] into `## [X.Y.Z] - date` with the list of packages and versions;
//  5. builds, packs each package into the output folder with a SHA256SUMS file;
//  6. commits `release X.Y.Z` and tags `vX.Y.Z` (annotated, with the changelog section).
// Publishing stays a human step (credentials, 2FA): it prints the `npm publish` commands in
// dependency order. The versioning rules are in docs/releasing.md.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

export class ReleaseError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

export function parseVersion(v) {
  const parsed = semver.parse(v);
  if (parsed === null) throw new ReleaseError('RELEASE_BAD_VERSION', `not a version: ${JSON.stringify(v)}`);
  return parsed;
}

/** Semver precedence (the `semver` package core already depends on). */
export function compareVersions(a, b) {
  return semver.compare(parseVersion(a), parseVersion(b));
}

export function nextVersion(current, bump) {
  if (bump === 'major' || bump === 'minor' || bump === 'patch') return semver.inc(parseVersion(current), bump);
  parseVersion(bump);
  if (compareVersions(bump, current) <= 0) throw new ReleaseError('RELEASE_NOT_GREATER', `${bump} is not greater than the current ${current}`);
  return bump;
}

/** Every workspace folder of the root package.json (`dir` and `dir/*` patterns). */
export function workspaces(root) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const out = [];
  for (const pattern of pkg.workspaces ?? []) {
    if (pattern.endsWith('/*')) {
      const base = pattern.slice(0, -2);
      if (!fs.existsSync(path.join(root, base))) continue;
      for (const name of fs.readdirSync(path.join(root, base)).sort()) {
        if (fs.existsSync(path.join(root, base, name, 'package.json'))) out.push(`${base}/${name}`);
      }
    } else if (fs.existsSync(path.join(root, pattern, 'package.json'))) out.push(pattern);
  }
  return out.map((dir) => ({ dir, file: path.join(root, dir, 'package.json'), pkg: JSON.parse(fs.readFileSync(path.join(root, dir, 'package.json'), 'utf8')) }));
}

const DEP_FIELDS = ['dependencies', 'peerDependencies', 'devDependencies', 'optionalDependencies'];

/** The range that follows a release: `^old`/`~old`/exact `old` move to the new version; anything else stays. */
export function followRange(range, oldVersion, newVersion) {
  for (const prefix of ['^', '~', '']) if (range === `${prefix}${oldVersion}`) return `${prefix}${newVersion}`;
  return range;
}

/** The [Unreleased] section's body, and the text around it. */
export function splitChangelog(text) {
  const head = /^## \[Unreleased\][^\n]*\n/m.exec(text);
  if (!head) throw new ReleaseError('RELEASE_NO_UNRELEASED', 'CHANGELOG.md has no "## [Unreleased]" section');
  const start = head.index + head[0].length;
  const rest = text.slice(start);
  const next = /^## \[|^\[[^\]]+\]: /m.exec(rest);
  const end = next ? start + next.index : text.length;
  return { before: text.slice(0, start), body: text.slice(start, end), after: text.slice(end) };
}

/** CHANGELOG.md with [Unreleased] moved into the release's section. */
export function writeChangelogSection(text, version, date, packages) {
  const { before, body, after } = splitChangelog(text);
  if (!/^\s*[-*] /m.test(body)) throw new ReleaseError('RELEASE_EMPTY_CHANGELOG', 'CHANGELOG.md [Unreleased] has no entries: say what the release changes first');
  const list = packages.map((p) => `\`${p.name}\` ${version}`).join(', ');
  const section = `## [${version}] - ${date}\n\nPackages: ${list}.\n\n${body.trim()}\n\n`;
  return `${before}\n${section}${after}`;
}

function git(root, args, opts = {}) {
  return execFileSync('git', args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], ...opts }).toString();
}

function parseArgs(argv) {
  const opts = { bump: null, only: null, out: null, dryRun: false, git: true, build: true, date: new Date().toISOString().slice(0, 10), root: process.cwd() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new ReleaseError('RELEASE_USAGE', `${a} needs a value`);
      return argv[++i];
    };
    if (a === '--only') opts.only = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--out') opts.out = value();
    else if (a === '--dry-run') opts.dryRun = true;
    else if (a === '--no-git') opts.git = false;
    else if (a === '--no-build') opts.build = false;
    else if (a === '--date') opts.date = value();
    else if (a === '--root') opts.root = path.resolve(value());
    else if (a.startsWith('-')) throw new ReleaseError('RELEASE_USAGE', `unknown option ${a}`);
    else if (opts.bump === null) opts.bump = a;
    else throw new ReleaseError('RELEASE_USAGE', `unexpected argument ${a}`);
  }
  if (opts.bump === null) throw new ReleaseError('RELEASE_USAGE', 'usage: npm run release -- <patch|minor|major|X.Y.Z> [--only a,b] [--out DIR] [--dry-run] [--no-git] [--no-build]');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.date)) throw new ReleaseError('RELEASE_USAGE', `--date must be YYYY-MM-DD, got ${opts.date}`);
  return opts;
}

/** Publishable packages in dependency order (a package after what it depends on among them). */
function dependencyOrder(packages) {
  const names = new Set(packages.map((p) => p.pkg.name));
  const done = new Set();
  const out = [];
  const visit = (p, stack) => {
    if (done.has(p.pkg.name)) return;
    if (stack.has(p.pkg.name)) throw new ReleaseError('RELEASE_CYCLE', `dependency cycle through ${p.pkg.name}`);
    stack.add(p.pkg.name);
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const dep of Object.keys(p.pkg[field] ?? {})) if (names.has(dep)) visit(packages.find((q) => q.pkg.name === dep), stack);
    }
    stack.delete(p.pkg.name);
    done.add(p.pkg.name);
    out.push(p);
  };
  for (const p of packages) visit(p, new Set());
  return out;
}

/** Build (unless told not to), pack each package into `out`, write SHA256SUMS; npm's pack results. */
function pack(root, packages, out, build, log) {
  if (build) execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  fs.mkdirSync(out, { recursive: true });
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out, ...packages.flatMap((p) => ['-w', p.dir])], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 }).toString());
  // npm packs in its own order; publishing goes in dependency order (the caller's).
  const rank = new Map(packages.map((p, i) => [p.pkg.name, i]));
  packed.sort((a, b) => (rank.get(a.name) ?? 0) - (rank.get(b.name) ?? 0));
  const sums = packed.map((p) => `${createHash('sha256').update(fs.readFileSync(path.join(out, p.filename))).digest('hex')}  ${p.filename}`);
  fs.writeFileSync(path.join(out, 'SHA256SUMS'), `${sums.join('\n')}\n`);
  for (const p of packed) log(`  packed ${path.join(path.relative(root, out), p.filename)} (${(p.size / 1024).toFixed(1)} KiB)`);
  return packed;
}

export function release(argv, log = (line) => console.log(line)) {
  const opts = parseArgs(argv);
  const root = opts.root;
  const all = workspaces(root);
  const publishable = all.filter((w) => !w.pkg.private);
  let chosen = publishable;
  if (opts.only) {
    chosen = opts.only.map((want) => {
      const hit = publishable.find((w) => w.pkg.name === want || w.dir === want || w.dir === want.replace(/\/$/, ''));
      if (!hit) throw new ReleaseError('RELEASE_UNKNOWN_PACKAGE', `${want} is not a publishable workspace (${publishable.map((w) => w.pkg.name).join(', ')})`);
      return hit;
    });
  }
  if (chosen.length === 0) throw new ReleaseError('RELEASE_NOTHING', 'no publishable package in the workspaces');

  if (opts.bump === 'current') {
    const ordered = dependencyOrder(chosen);
    const out = path.resolve(root, opts.out ?? path.join('release', 'current'));
    log(`packing ${ordered.length} packages as they are into ${path.relative(root, out) || out}`);
    if (opts.dryRun) return { version: null, tag: null, packages: ordered.map((p) => p.pkg.name), tarballs: [] };
    const packed = pack(root, ordered, out, opts.build, log);
    log(`install them into an app: npm install ${path.relative(process.cwd(), out) || '.'}/*.tgz`);
    return { version: null, tag: null, packages: ordered.map((p) => p.pkg.name), tarballs: packed.map((p) => path.join(out, p.filename)) };
  }
  if (opts.git && !opts.dryRun) {
    const dirty = git(root, ['status', '--porcelain', '--untracked-files=no']).trim();
    if (dirty) throw new ReleaseError('RELEASE_DIRTY', `the work tree has changes; commit or stash them first:\n${dirty}`);
  }
  const current = chosen.map((w) => w.pkg.version).sort(compareVersions).pop();
  const version = nextVersion(current, opts.bump);
  const tag = `v${version}`;
  if (opts.git && git(root, ['tag', '--list', tag]).trim()) throw new ReleaseError('RELEASE_TAG_EXISTS', `tag ${tag} exists already`);

  const changelogFile = path.join(root, 'CHANGELOG.md');
  if (!fs.existsSync(changelogFile)) throw new ReleaseError('RELEASE_NO_CHANGELOG', 'CHANGELOG.md is missing');
  const released = dependencyOrder(chosen).map((w) => ({ ...w, name: w.pkg.name, from: w.pkg.version }));
  const changelogText = fs.readFileSync(changelogFile, 'utf8');
  const notes = splitChangelog(changelogText).body.trim();
  const changelog = writeChangelogSection(changelogText, version, opts.date, released);
  const out = path.resolve(root, opts.out ?? path.join('release', version));

  log(`release ${version} (${tag}), ${opts.date}`);
  for (const p of released) log(`  ${p.name} ${p.from} → ${version}  (${p.dir})`);

  // Every workspace's ranges on a released package follow it.
  const byName = new Map(released.map((p) => [p.name, p]));
  const edits = [];
  for (const w of all) {
    const next = structuredClone(w.pkg);
    if (byName.has(w.pkg.name)) next.version = version;
    for (const field of DEP_FIELDS) {
      for (const [dep, range] of Object.entries(next[field] ?? {})) {
        const r = byName.get(dep);
        if (!r) continue;
        const moved = followRange(range, r.from, version);
        if (moved !== range) {
          next[field][dep] = moved;
          log(`  ${w.pkg.name}: ${field}.${dep} ${range} → ${moved}`);
        }
      }
    }
    if (JSON.stringify(next) !== JSON.stringify(w.pkg)) edits.push({ w, next });
  }
  if (opts.dryRun) {
    log(`dry run: would write ${edits.length} package.json files, package-lock.json, CHANGELOG.md; pack into ${path.relative(root, out) || out}${opts.git ? `; commit and tag ${tag}` : ''}`);
    return { version, tag, packages: released.map((p) => p.name), tarballs: [] };
  }

  for (const { w, next } of edits) fs.writeFileSync(w.file, `${JSON.stringify(next, null, 2)}\n`);
  const lockFile = path.join(root, 'package-lock.json');
  if (fs.existsSync(lockFile)) {
    const lock = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
    for (const { w, next } of edits) {
      const entry = lock.packages?.[w.dir];
      if (!entry) continue;
      if (entry.version !== undefined) entry.version = next.version;
      for (const field of DEP_FIELDS) if (entry[field] && next[field]) for (const dep of Object.keys(entry[field])) if (dep in next[field]) entry[field][dep] = next[field][dep];
    }
    fs.writeFileSync(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
  }
  fs.writeFileSync(changelogFile, changelog);

  const packed = pack(root, released, out, opts.build, log);

  if (opts.git) {
    git(root, ['add', '--', 'CHANGELOG.md', ...(fs.existsSync(lockFile) ? ['package-lock.json'] : []), ...edits.map((e) => path.relative(root, e.w.file))]);
    git(root, ['commit', '-q', '-m', `release ${version}`, '-m', released.map((p) => `${p.name} ${version}`).join('\n')]);
    git(root, ['tag', '-a', '--cleanup=verbatim', tag, '-F', '-'], { input: `Actorwire ${version}\n\n${notes}\n`, stdio: ['pipe', 'pipe', 'pipe'] });
    log(`committed "release ${version}" and tagged ${tag}`);
  }
  log('publish (in this order), then push the tag:');
  for (const p of packed) log(`  npm publish ${path.join(path.relative(root, out), p.filename)}${version.includes('-') ? ' --tag next' : ''}`);
  if (opts.git) log(`  git push --follow-tags`);
  return { version, tag, packages: released.map((p) => p.name), tarballs: packed.map((p) => path.join(out, p.filename)) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    release(process.argv.slice(2));
  } catch (err) {
    console.error(`release: ${err.code ?? 'RELEASE_FAILED'}: ${err.message}`);
    process.exit(err instanceof ReleaseError ? 2 : 1);
  }
}
