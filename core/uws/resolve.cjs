'use strict';
/**
 * Which uWebSockets.js build this process runs on. Registry builds differ in the Node ABIs and
 * glibc they ship binaries for, and some fall back to a slow pure-JS emulation without a word;
 * so the candidates are tried in order and the first that loads *natively* wins:
 *
 *   1. ACTORWIRE_UWS_MODULE        a module the app installed itself (e.g. the official GitHub build)
 *   2. uWebSockets.js              the official build, when installed under its own name
 *   3. @btc-vision/uwebsockets.js  upstream v20.57.0 republished: Node 20/22/24/25, glibc >= 2.38
 *   4. @trufflesuite/uws-js-unofficial  v20.30.0: Node 16/18/20 natively, emulation elsewhere
 *
 * ACTORWIRE_UWS_CANDIDATES (comma-separated) replaces 2–4 to pin which builds may be used.
 * None native: the process refuses to start with what to install for this Node and glibc, unless
 * ACTORWIRE_UWS_ALLOW_EMULATION=true takes the first that loads at all (slow; for development).
 * Plain CommonJS, so hyper-express (bundled) and the kernel load the very same module.
 */
const { dirname, join } = require('node:path');
const { readFileSync } = require('node:fs');

const CANDIDATES = ['uWebSockets.js', '@btc-vision/uwebsockets.js', '@trufflesuite/uws-js-unofficial'];

function glibc() {
  try {
    return process.report.getReport().header.glibcVersionRuntime || undefined;
  } catch {
    return undefined;
  }
}

/** The package.json of the package `entry` resolved into (read from disk: some builds do not export it). */
function packageOf(entry) {
  let dir = dirname(entry);
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (pkg.name) return { dir, name: pkg.name, version: pkg.version || 'unknown' };
    } catch { /* keep climbing */ }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return { dir: dirname(entry), name: 'unknown', version: 'unknown' };
}

/** Did loading `pkgDir` load a native addon from it? (Node caches .node modules like any other.) */
function nativeFrom(pkgDir) {
  return Object.keys(require.cache).some((k) => k.startsWith(pkgDir) && k.endsWith('.node'));
}

let resolved;

function load() {
  if (resolved !== undefined) return resolved;
  const env = process.env.ACTORWIRE_UWS_MODULE;
  // ACTORWIRE_UWS_CANDIDATES pins which builds may be used, in order (comma-separated).
  const pinned = (process.env.ACTORWIRE_UWS_CANDIDATES || '').split(',').map((s) => s.trim()).filter(Boolean);
  const base = pinned.length > 0 ? pinned : CANDIDATES;
  const names = env ? [env, ...base] : base;
  const tried = [];
  let emulated;
  const seen = new Set();
  for (const name of names) {
    let entry;
    try {
      entry = require.resolve(name, { paths: [process.cwd(), __dirname] });
    } catch {
      tried.push({ module: name, outcome: 'not installed' });
      continue;
    }
    const pkg = packageOf(entry);
    // `uWebSockets.js` may be an npm alias of a registry build (an alias keeps the real name): that
    // build is tried under its own name, in its own place in the order.
    if (name === 'uWebSockets.js' && pkg.name !== 'uWebSockets.js' && CANDIDATES.includes(pkg.name)) {
      tried.push({ module: name, package: pkg.name, version: pkg.version, outcome: `an alias of ${pkg.name}: tried under that name` });
      continue;
    }
    if (seen.has(pkg.dir)) continue;
    seen.add(pkg.dir);
    let mod;
    try {
      mod = require(entry);
    } catch (err) {
      tried.push({ module: name, package: pkg.name, version: pkg.version, outcome: `does not load: ${String((err && err.message) || err).split('\n')[0].slice(0, 200)}` });
      continue;
    }
    if (!mod || typeof mod.App !== 'function') {
      tried.push({ module: name, package: pkg.name, version: pkg.version, outcome: 'not a uWebSockets.js build (no App)' });
      continue;
    }
    const native = nativeFrom(pkg.dir);
    const one = { module: name, package: pkg.name, version: pkg.version, native };
    if (native) {
      tried.push({ ...one, outcome: 'native' });
      resolved = { ...one, binding: mod, tried, abi: process.versions.modules, node: process.versions.node, glibc: glibc() };
      return resolved;
    }
    tried.push({ ...one, outcome: 'loads only as a pure-JS emulation' });
    emulated = emulated || { ...one, binding: mod };
  }
  if (emulated && /^(1|true|yes)$/i.test(process.env.ACTORWIRE_UWS_ALLOW_EMULATION || '')) {
    resolved = { ...emulated, tried, abi: process.versions.modules, node: process.versions.node, glibc: glibc() };
    return resolved;
  }
  const err = new Error(noNativeBuild(tried));
  err.code = 'WS_ERR_UWS_NOT_NATIVE';
  throw err;
}

function noNativeBuild(tried) {
  const g = glibc();
  const lines = tried.map((t) => `  - ${t.module}${t.package && t.package !== t.module ? ` (${t.package}@${t.version})` : t.version ? `@${t.version}` : ''}: ${t.outcome}`);
  const advice = [];
  const abi = Number(process.versions.modules);
  if (g !== undefined && Number(g.split('.')[1]) < 38 && g.startsWith('2.')) {
    advice.push(`glibc ${g} is older than the 2.38 the registry builds for Node 22+ need: run Node 20 (with @trufflesuite/uws-js-unofficial), or a distribution with glibc >= 2.38 (Debian 13, Ubuntu 24.04), or build uWebSockets.js for this system and name it in ACTORWIRE_UWS_MODULE`);
  } else if (abi > 115) {
    advice.push('install @btc-vision/uwebsockets.js (Node 20, 22, 24, 25; glibc >= 2.38), or the official build from GitHub and name it in ACTORWIRE_UWS_MODULE');
  } else {
    advice.push('install @trufflesuite/uws-js-unofficial or @btc-vision/uwebsockets.js');
  }
  advice.push('or set ACTORWIRE_UWS_ALLOW_EMULATION=true to run on the slow pure-JS fallback (development only)');
  return `no native uWebSockets.js build loads on Node ${process.versions.node} (ABI ${process.versions.modules}, ${process.platform}-${process.arch}${g ? `, glibc ${g}` : ''}). Tried:\n${lines.join('\n')}\n${advice.map((a) => `  → ${a}`).join('\n')}`;
}

/** What was chosen (without the module), for logs and /health. */
function info() {
  const r = load();
  return { module: r.module, package: r.package, version: r.version, native: r.native, abi: r.abi, node: r.node, glibc: r.glibc, tried: r.tried };
}

module.exports = { load, info, CANDIDATES };
