/**
 * The browser build: one ESM file with no Node-only import (esbuild for the browser platform
 * refuses `node:` modules), and its size minified + gzip — the figure the README gives.
 */
import t from 'tap';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));

t.test('bundles for the browser, small', async (t) => {
  const out = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2020', write: false, logLevel: 'silent' });
  const code = out.outputFiles[0]!.contents;
  const gz = gzipSync(code).length;
  t.comment(`@actorwire/client: ${code.length} B minified, ${gz} B minified + gzip`);
  t.ok(gz < 6 * 1024, `under 6 KB gzip (${gz} B)`);
  t.notMatch(Buffer.from(code).toString(), /require\(|from"node:|from "node:/, 'no Node-only import');
});
