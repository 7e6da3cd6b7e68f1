/** What the scaffold writes, and what it refuses (a name npm would refuse, a directory in use). The
 * generated package building and passing its tests outside the repository: server/test/packed-install.test.ts. */
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScaffoldError, pluginNameOf, scaffold } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'actorwire-scaffold-'));
t.teardown(() => rmSync(root, { recursive: true, force: true }));

t.test('a scoped package: the plugin named after it, core as a peer, the files a package needs', async (t) => {
  const dir = join(root, 'dice');
  const files = scaffold({ packageName: '@acme/actorwire-plugin-dice', dir, coreVersion: '0.2.0' });
  t.same([...files].sort(), ['.gitignore', 'LICENSE', 'README.md', 'package.json', 'src/index.ts', 'test/plugin.test.ts', 'tsconfig.build.json', 'tsconfig.json'].sort());
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, any>;
  t.equal(pkg.name, '@acme/actorwire-plugin-dice');
  t.same(pkg.peerDependencies, { '@actorwire/core': '^0.2.0' }, 'core is a peer');
  t.equal(pkg.devDependencies['@actorwire/testing'], '0.2.0');
  t.same(pkg.files, ['dist', '!dist/*.tsbuildinfo', 'README.md', 'LICENSE'], 'only the build, the README and the LICENSE are published');
  const src = readFileSync(join(dir, 'src/index.ts'), 'utf8');
  t.match(src, /name: 'dice'/);
  t.match(src, /kernel: '\^0\.2\.0'/);
  t.match(src, /env\.DICE_GREETING/);
  t.match(readFileSync(join(dir, 'LICENSE'), 'utf8'), /Copyright \(c\) \d{4} acme/);
});

t.test('names: npm\'s rules, and the plugin name they give', async (t) => {
  t.equal(pluginNameOf('my-plugin'), 'my-plugin');
  t.equal(pluginNameOf('actorwire-plugin-geo'), 'geo');
  for (const bad of ['My-Plugin', '../evil', 'a b', '@scope/', '', '.hidden', 'x'.repeat(215)]) {
    t.throws(() => scaffold({ packageName: bad, dir: join(root, 'never'), coreVersion: '0.2.0' }), { code: 'INVALID_NAME' }, `refused: ${JSON.stringify(bad.slice(0, 20))}`);
  }
});

t.test('a directory in use is never written into', async (t) => {
  const dir = join(root, 'used');
  scaffold({ packageName: 'used', dir, coreVersion: '0.2.0' });
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  t.throws(() => scaffold({ packageName: 'used', dir, coreVersion: '0.2.0' }), ScaffoldError);
  t.throws(() => scaffold({ packageName: 'used', dir, coreVersion: '0.2.0' }), { code: 'NOT_EMPTY', message: /exists and is not empty/ });
  t.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'mine');
});
