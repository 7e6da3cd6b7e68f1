#!/usr/bin/env node
/**
 * Bundle hyper-express (and its small pure-JS dependencies) into dist/vendor/hyper-express.cjs.
 *
 * Why: hyper-express declares uWebSockets.js as a GitHub dependency, which an application
 * installing @actorwire/core from the npm registry cannot fetch (and the root `overrides` of this
 * repository do not apply to it). Bundled, hyper-express is no dependency of the published
 * package at all; `uWebSockets.js` stays external and resolves to core's own dependency on the
 * registry build. The licences of everything bundled are written beside the bundle.
 */
import { build } from 'esbuild';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const coreDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(coreDir, 'package.json'));
const outDir = join(coreDir, 'dist', 'vendor');
mkdirSync(outDir, { recursive: true });

const entry = require.resolve('hyper-express');
const result = await build({
  entryPoints: [entry],
  outfile: join(outDir, 'hyper-express.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // hyper-express's `require('uWebSockets.js')` is the kernel's chosen build (core/uws/binding.cjs):
  // one module instance, whichever registry build or ACTORWIRE_UWS_MODULE it is.
  plugins: [{
    name: 'actorwire-uws',
    setup(b) {
      b.onResolve({ filter: /^uWebSockets\.js$/ }, () => ({ path: '../../uws/binding.cjs', external: true }));
    },
  }],
  legalComments: 'inline',
  metafile: true,
  logLevel: 'warning',
  banner: { js: '/* hyper-express and its dependencies, bundled for @actorwire/core: see hyper-express.LICENSES.txt */' },
});

// One licence text per bundled package, found from the files esbuild read.
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = input.match(/^(.*node_modules\/((?:@[^/]+\/)?[^/]+))\//);
  if (!m || packages.has(m[2])) continue;
  const dir = join(process.cwd(), m[1]);
  const root = existsSync(dir) ? dir : join(coreDir, m[1]);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const licenseFile = readdirSync(root).find((f) => /^(licen[cs]e|copying)/i.test(f));
  packages.set(m[2], {
    version: pkg.version,
    license: pkg.license ?? 'see text',
    text: licenseFile ? readFileSync(join(root, licenseFile), 'utf8').trim() : '(no licence file shipped)',
  });
}
const notice = [...packages].sort(([a], [b]) => a.localeCompare(b))
  .map(([name, p]) => `${name}@${p.version} (${p.license})\n\n${p.text}\n`)
  .join('\n' + '-'.repeat(72) + '\n\n');
writeFileSync(join(outDir, 'hyper-express.LICENSES.txt'), notice);
console.log(`bundled hyper-express with ${packages.size - 1} dependencies into ${join('dist', 'vendor', 'hyper-express.cjs')}`);
