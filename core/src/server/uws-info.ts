/**
 * Which uWebSockets.js we got. The registry build used on Node 20 loads a native binary on
 * Node 16/18/20 and otherwise silently falls back to a slow pure-JS emulation; operators must know.
 */
import { createRequire } from 'node:module';

export interface UwsInfo {
  native: boolean;
  package: string;
  version: string;
  node: string;
}

const require = createRequire(import.meta.url);

export function detectUws(): UwsInfo {
  // hyper-express loads the same module instance; requiring it here does not load it twice.
  require('uWebSockets.js');
  const native = Object.keys(require.cache).some((k) => /uws_[a-z0-9]+_[a-z0-9]+_\d+\.node$/.test(k));
  let pkg = { name: 'uWebSockets.js', version: 'unknown' };
  try {
    pkg = require('uWebSockets.js/package.json');
  } catch {
    // Some builds do not export package.json; the name stays generic.
  }
  return { native, package: pkg.name, version: pkg.version, node: process.versions.node };
}
