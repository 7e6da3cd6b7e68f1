#!/usr/bin/env node
// Delete the uWebSockets.js binaries this Node cannot load from an installed application:
//
//   node scripts/prune-uws.mjs /app/node_modules
//
// The registry builds ship one `uws_<platform>_<arch>_<abi>.node` per platform, CPU and Node ABI
// (227 MB for the two builds core depends on); an image runs one Node on one platform and needs
// one file. Everything else of the packages stays, so the resolver still reports a build that
// has no binary for this Node as "not native" and moves on. Prints what it freed.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

// The builds the resolver tries (core/uws/resolve.cjs): one list, kept there.
const PACKAGES = createRequire(import.meta.url)('../core/uws/resolve.cjs').CANDIDATES;
const keep = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;

function* nodeFiles(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') yield* nodeFiles(full);
    else if (entry.isFile() && /^uws_.+\.node$/.test(entry.name)) yield full;
  }
}

const modules = process.argv[2];
if (!modules || !fs.existsSync(modules)) {
  console.error('usage: node scripts/prune-uws.mjs <node_modules folder>');
  process.exit(2);
}
let freed = 0;
let kept = 0;
for (const name of PACKAGES) {
  const dir = path.join(modules, name);
  if (!fs.existsSync(dir)) continue;
  for (const file of nodeFiles(dir)) {
    if (path.basename(file) === keep) {
      kept++;
      continue;
    }
    freed += fs.statSync(file).size;
    fs.rmSync(file);
  }
}
console.log(`prune-uws: kept ${kept} × ${keep}, freed ${(freed / 1e6).toFixed(0)} MB`);
