/**
 * The release command (scripts/release.mjs) on a small repository of its own: a real git
 * repository with a kernel package, a plugin that peers on it, a private example and a lockfile.
 * It must bump, make every range follow, write the changelog section, commit, tag and pack — and
 * refuse, changing nothing, when the tree is dirty, the changelog is empty or the version goes back.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs script, no declarations
import { release, nextVersion, compareVersions, followRange } from '../release.mjs';

const repo = resolve(fileURLToPath(import.meta.url), '../../..');
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const write = (file: string, value: unknown) => writeFileSync(file, typeof value === 'string' ? value : `${JSON.stringify(value, null, 2)}\n`);
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

const CHANGELOG = `# Changelog

Intro.

## [Unreleased]

### Fixed
- The thing that was broken.

## [0.1.0] - 2026-01-01

### Added
- Everything.
`;

function fixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'actorwire-release-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  write(join(dir, 'package.json'), { name: 'ws-root', private: true, version: '0.0.0', workspaces: ['core', 'plugins/*', 'examples/*'] });
  const pkg = (sub: string, body: Record<string, unknown>) => {
    mkdirSync(join(dir, sub), { recursive: true });
    write(join(dir, sub, 'package.json'), body);
    write(join(dir, sub, 'index.js'), 'export {};\n');
    write(join(dir, sub, 'README.md'), `# ${body.name}\n`);
  };
  pkg('core', { name: '@x/core', version: '0.1.0', type: 'module', files: ['index.js', 'README.md'] });
  pkg('plugins/auth', { name: '@x/plugin-auth', version: '0.1.0', type: 'module', files: ['index.js', 'README.md'], peerDependencies: { '@x/core': '^0.1.0' }, devDependencies: { '@x/core': '0.1.0', other: '^0.1.0' } });
  // Named to come first in npm's order, but it peers on plugin-auth: it is published after it.
  pkg('plugins/aaa-ext', { name: '@x/aaa-ext', version: '0.1.0', type: 'module', files: ['index.js', 'README.md'], peerDependencies: { '@x/plugin-auth': '^0.1.0' } });
  pkg('examples/app', { name: '@x/example', version: '0.1.0', private: true, dependencies: { '@x/core': '^0.1.0', '@x/plugin-auth': '~0.1.0' } });
  write(join(dir, 'package-lock.json'), {
    name: 'ws-root', lockfileVersion: 3, packages: {
      '': { name: 'ws-root', workspaces: ['core', 'plugins/*', 'examples/*'] },
      core: { name: '@x/core', version: '0.1.0' },
      'plugins/auth': { name: '@x/plugin-auth', version: '0.1.0', peerDependencies: { '@x/core': '^0.1.0' }, devDependencies: { '@x/core': '0.1.0', other: '^0.1.0' } },
      'plugins/aaa-ext': { name: '@x/aaa-ext', version: '0.1.0', peerDependencies: { '@x/plugin-auth': '^0.1.0' } },
      'examples/app': { name: '@x/example', version: '0.1.0', dependencies: { '@x/core': '^0.1.0', '@x/plugin-auth': '~0.1.0' } },
      'node_modules/@x/core': { resolved: 'core', link: true },
    },
  });
  write(join(dir, 'CHANGELOG.md'), CHANGELOG);
  git(dir, 'init', '-q');
  git(dir, 'add', '.');
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.test', 'commit', '-q', '-m', 'initial');
  return dir;
}

function quiet(argv: string[]) {
  const lines: string[] = [];
  const env = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.test', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.test' };
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return { result: release(argv, (l: string) => lines.push(l)), lines };
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k];
  }
}

t.test('versions: bumps, pre-releases, precedence', async (t) => {
  t.equal(nextVersion('0.1.3', 'minor'), '0.2.0');
  t.equal(nextVersion('0.1.3', 'patch'), '0.1.4');
  t.equal(nextVersion('0.9.1', 'major'), '1.0.0');
  t.equal(nextVersion('1.0.0-rc.2', 'major'), '1.0.0', 'major of a pre-release of x.0.0 is x.0.0');
  t.equal(nextVersion('0.2.0-rc.1', 'minor'), '0.2.0');
  t.equal(nextVersion('0.1.0', '0.2.0-rc.1'), '0.2.0-rc.1');
  t.throws(() => nextVersion('0.2.0', '0.1.9'), { code: 'RELEASE_NOT_GREATER' });
  t.throws(() => nextVersion('0.2.0', 'next'), { code: 'RELEASE_BAD_VERSION' });
  t.ok(compareVersions('1.0.0-rc.10', '1.0.0-rc.9') > 0, 'numeric identifiers compare as numbers');
  t.ok(compareVersions('1.0.0', '1.0.0-rc.9') > 0, 'a release is above its pre-releases');
  t.equal(followRange('^0.1.0', '0.1.0', '0.2.0'), '^0.2.0');
  t.equal(followRange('>=0.1.0', '0.1.0', '0.2.0'), '>=0.1.0', 'other forms are left to their author');
});

t.test('a minor release: versions, ranges, lockfile, changelog, commit, tag, tarballs', async (t) => {
  const dir = fixture();
  const out = join(dir, 'out');
  const { result, lines } = quiet(['minor', '--root', dir, '--no-build', '--out', out, '--date', '2026-12-07']);
  t.equal(result.version, '0.2.0');
  t.same(result.packages, ['@x/core', '@x/plugin-auth', '@x/aaa-ext'], 'publishable packages, dependencies first; the private example is not released');
  const publishes = lines.filter((l: string) => l.trim().startsWith('npm publish')).map((l: string) => l.trim().split('/').pop());
  t.same(publishes, ['x-core-0.2.0.tgz', 'x-plugin-auth-0.2.0.tgz', 'x-aaa-ext-0.2.0.tgz'], 'publish commands in dependency order, not npm\'s');
  t.same(json(join(dir, 'plugins/aaa-ext/package.json')).peerDependencies, { '@x/plugin-auth': '^0.2.0' });
  t.equal(json(join(dir, 'core/package.json')).version, '0.2.0');
  const auth = json(join(dir, 'plugins/auth/package.json'));
  t.equal(auth.version, '0.2.0');
  t.same(auth.peerDependencies, { '@x/core': '^0.2.0' }, 'the peer range follows the kernel');
  t.same(auth.devDependencies, { '@x/core': '0.2.0', other: '^0.1.0' }, 'exact pins follow; foreign ranges stay');
  const example = json(join(dir, 'examples/app/package.json'));
  t.equal(example.version, '0.1.0', 'private packages keep their version');
  t.same(example.dependencies, { '@x/core': '^0.2.0', '@x/plugin-auth': '~0.2.0' });
  const lock = json(join(dir, 'package-lock.json'));
  t.equal(lock.packages.core.version, '0.2.0');
  t.same(lock.packages['plugins/auth'].peerDependencies, { '@x/core': '^0.2.0' });
  t.same(lock.packages['examples/app'].dependencies, { '@x/core': '^0.2.0', '@x/plugin-auth': '~0.2.0' });

  const changelog = readFileSync(join(dir, 'CHANGELOG.md'), 'utf8');
  t.match(changelog, /## \[Unreleased\]\n\n## \[0\.2\.0\] - 2026-12-07\n\nPackages: `@x\/core` 0\.2\.0, `@x\/plugin-auth` 0\.2\.0, `@x\/aaa-ext` 0\.2\.0\.\n\n### Fixed\n- The thing that was broken\.\n\n## \[0\.1\.0\] - 2026-01-01/, 'the section sits between an empty [Unreleased] and the last release');

  t.equal(git(dir, 'log', '-1', '--format=%s'), 'release 0.2.0\n');
  t.equal(git(dir, 'status', '--porcelain', '--untracked-files=no'), '', 'everything the release changed is committed');
  t.equal(git(dir, 'cat-file', '-t', 'v0.2.0'), 'tag\n', 'an annotated tag');
  t.match(git(dir, 'tag', '-l', '--format=%(contents)', 'v0.2.0'), /Actorwire 0\.2\.0\n\n### Fixed\n- The thing that was broken\./);

  const sums = readFileSync(join(out, 'SHA256SUMS'), 'utf8').trim().split('\n');
  t.equal(sums.length, 3);
  for (const line of sums) {
    const [sum, file] = line.split(/ {2}/);
    t.equal(createHash('sha256').update(readFileSync(join(out, file!))).digest('hex'), sum, `${file}: checksum`);
    const manifest = execFileSync('tar', ['-xzOf', join(out, file!), 'package/package.json']).toString();
    t.equal(JSON.parse(manifest).version, '0.2.0', `${file}: packs the new version`);
  }
  t.throws(() => quiet(['0.2.0', '--root', dir, '--no-build', '--out', out]), { code: 'RELEASE_NOT_GREATER' });
});

t.test('refusals change nothing', async (t) => {
  const dir = fixture();
  write(join(dir, 'core/index.js'), 'export const dirty = 1;\n');
  t.throws(() => quiet(['patch', '--root', dir, '--no-build']), { code: 'RELEASE_DIRTY' }, 'a dirty tree');
  git(dir, 'checkout', '--', 'core/index.js');

  write(join(dir, 'CHANGELOG.md'), CHANGELOG.replace('### Fixed\n- The thing that was broken.\n', ''));
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.test', 'commit', '-q', '-am', 'empty unreleased');
  t.throws(() => quiet(['patch', '--root', dir, '--no-build']), { code: 'RELEASE_EMPTY_CHANGELOG' }, 'nothing to say');
  t.throws(() => quiet(['patch', '--root', dir, '--no-build', '--only', '@x/example']), { code: 'RELEASE_UNKNOWN_PACKAGE' }, 'a private package');
  t.throws(() => quiet(['sideways', '--root', dir, '--no-build']), { code: 'RELEASE_BAD_VERSION' });
  t.equal(git(dir, 'status', '--porcelain'), '', 'the tree is as it was');
  t.equal(git(dir, 'tag', '-l'), '', 'no tag');
  t.equal(json(join(dir, 'core/package.json')).version, '0.1.0');
});

t.test('--only releases a subset; the others keep their version', async (t) => {
  const dir = fixture();
  const { result } = quiet(['patch', '--root', dir, '--no-build', '--no-git', '--only', 'plugins/auth', '--out', join(dir, 'out')]);
  t.same(result.packages, ['@x/plugin-auth']);
  t.equal(json(join(dir, 'plugins/auth/package.json')).version, '0.1.1');
  t.equal(json(join(dir, 'core/package.json')).version, '0.1.0');
  t.same(json(join(dir, 'examples/app/package.json')).dependencies, { '@x/core': '^0.1.0', '@x/plugin-auth': '~0.1.1' });
  t.equal(git(dir, 'tag', '-l'), '', '--no-git: no tag');
  t.ok(existsSync(join(dir, 'out/SHA256SUMS')));
});

t.test('this repository: a dry run plans every publishable package and changes nothing', async (t) => {
  const before = git(repo, 'status', '--porcelain');
  const { result, lines } = quiet(['minor', '--root', repo, '--dry-run']);
  const libraries = ['errors', 'config', 'telemetry', 'inputs', 'actors'].map((p) => `@actorwire/${p}`);
  const publishable = ['@actorwire/core', '@actorwire/client', '@actorwire/react', '@actorwire/testing', 'actorwire', 'create-actorwire-plugin', ...libraries, ...['admin', 'analytics', 'auth', 'dialects', 'history', 'kafka', 'redis-pubsub', 'rooms', 'snapshots'].map((p) => `@actorwire/plugin-${p}`)];
  t.same([...result.packages].sort(), publishable.sort());
  const at = (name: string) => result.packages.indexOf(name);
  t.ok(libraries.every((l) => at(l) < at('@actorwire/core')), 'the kernel\'s libraries before the kernel');
  t.ok(at('@actorwire/errors') < at('@actorwire/config') && at('@actorwire/telemetry') < at('@actorwire/inputs'), 'each library after the ones it depends on');
  t.ok(result.packages.filter((p) => p.includes('plugin-') || p === '@actorwire/testing').every((p) => at(p) > at('@actorwire/core')), 'plugins and the test kit after the kernel');
  t.ok(result.packages.indexOf('@actorwire/plugin-rooms') < result.packages.indexOf('@actorwire/plugin-kafka'), 'kafka after rooms, which it peers on');
  t.ok(at('@actorwire/client') < at('@actorwire/react'), 'the React bindings after the client, which they peer on');
  t.ok(lines.some((l: string) => l.includes('@actorwire/plugin-auth: peerDependencies.@actorwire/core')), 'plugins\' peer ranges follow the kernel');
  t.equal(git(repo, 'status', '--porcelain'), before, 'nothing changed');
});

t.test('current: packs the packages as they are, changes nothing', async (t) => {
  const dir = fixture();
  const { result } = quiet(['current', '--root', dir, '--no-build']);
  t.equal(result.version, null);
  t.same(result.packages, ['@x/core', '@x/plugin-auth', '@x/aaa-ext']);
  t.same(result.tarballs.map((f: string) => f.slice(dir.length + 1)), ['release/current/x-core-0.1.0.tgz', 'release/current/x-plugin-auth-0.1.0.tgz', 'release/current/x-aaa-ext-0.1.0.tgz']);
  t.equal(git(dir, 'status', '--porcelain', '--untracked-files=no'), '', 'no file of the repository changed');
  t.equal(git(dir, 'log', '--format=%s'), 'initial\n', 'no commit');
});
