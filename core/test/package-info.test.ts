/**
 * packageInfo: a plugin's own name and version, wherever its module sits in its package — also a
 * plugin file at the root of its package inside an application (loaded by path), which used to
 * read the application's package.json one folder up.
 */
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageInfo } from '../src/index.js';

const app = mkdtempSync(join(tmpdir(), 'actorwire-pkginfo-'));
t.teardown(() => rmSync(app, { recursive: true, force: true }));
const write = (path: string, text: string) => {
  mkdirSync(join(app, path, '..'), { recursive: true });
  writeFileSync(join(app, path), text);
};
write('package.json', JSON.stringify({ name: 'the-app', version: '9.9.9' }));
write('plugins/geo/package.json', JSON.stringify({ name: '@acme/geo', version: '3.1.4' }));
write('plugins/geo/index.mjs', '');
write('plugins/geo/dist/package.json', JSON.stringify({ type: 'module' }));
write('plugins/geo/dist/index.js', '');
write('plugins/loose.mjs', '');

t.test('the nearest package.json that names a package, from the module up', async (t) => {
  const url = (p: string) => pathToFileURL(join(app, p)).href;
  t.same(packageInfo(url('plugins/geo/index.mjs')), { name: '@acme/geo', version: '3.1.4' }, 'a plugin file at its package\'s root: its own package, not the app\'s');
  t.same(packageInfo(url('plugins/geo/dist/index.js')), { name: '@acme/geo', version: '3.1.4' }, 'from dist/, past a package.json that only sets the module type');
  t.same(packageInfo(url('plugins/loose.mjs')), { name: 'the-app', version: '9.9.9' }, 'a file of the application itself: the application');
  t.same(packageInfo(import.meta.url).name, '@actorwire/core', 'and core\'s own tests: core');
});
