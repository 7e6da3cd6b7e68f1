#!/usr/bin/env node
/**
 * `npm test`: provision real services (Redis, and Kafka or the OTLP .proto files when a test needs them), run every tap
 * test file with their addresses in the environment, stop what was started, and end with
 * one line `N passed, N failed, N skipped` counting test points.
 *
 *   npm test                      every test
 *   npm test -- plugins/auth      only files whose path contains one of the arguments
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { provision } from './services/index.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

function testFiles() {
  const dirs = [join(root, 'core/test'), join(root, 'client/test'), join(root, 'server/test'), join(root, 'scripts/test')];
  for (const group of ['packages', 'plugins', 'examples']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) dirs.push(join(base, name, 'test'));
  }
  const files = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.test.ts')) files.push(relative(root, join(dir, f)));
  }
  return files;
}

const filters = process.argv.slice(2);
const files = testFiles().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
// Two at a time by default: tap's own default leaves one CPU free, which on a 2-core machine runs
// every file alone, while most of them wait on sockets and timers. TEST_JOBS=n to change it.
const jobs = Number(process.env.TEST_JOBS ?? 2);
if (!Number.isInteger(jobs) || jobs < 1) {
  console.error(`TEST_JOBS=${process.env.TEST_JOBS}: expected a whole number of test files to run at a time (1 or more)`);
  process.exit(2);
}
// Tests of the compiled server and of packed packages need an up-to-date build (incremental: fast
// when nothing changed). A build error is a failure of the whole run.
const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
if (build.status !== 0) {
  console.log(`0 passed, ${files.length} failed, 0 skipped`);
  process.exit(1);
}

const mentions = (v) => files.some((f) => readFileSync(join(root, f), 'utf8').includes(v));

const services = await provision({ redis: mentions('REDIS_URL'), kafka: mentions('KAFKA_BROKERS'), otlpProtos: mentions('OTLP_PROTO_DIR'), testFiles: files.map((f) => join(root, f)) });
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await services.stop().catch((err) => console.error(`stopping services failed: ${err.message}`));
};
process.on('SIGINT', () => stop().then(() => process.exit(130)));
process.on('SIGTERM', () => stop().then(() => process.exit(143)));

const tap = join(root, 'node_modules/.bin/tap');

/** One tap run: its output streamed through, its summary (`{ total: …, pass: … }`) and its failed points. */
async function runTap(list, args) {
  const child = spawn(tap, [...args, ...list], { cwd: root, env: services.childEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  let summary;
  let tail = '';
  // Failed test points by file, repeated after the run so its last lines say what failed.
  const failures = [];
  let file = '';
  let partial = '';
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    tail = (tail + chunk.toString()).slice(-4000);
    const m = [...tail.matchAll(/^# (\{ total: \d+.*\})$/gm)].pop();
    if (m) summary = m[1];
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const top = /^# Subtest: (.+)$/.exec(line);
      if (top) file = top[1];
      const failed = /^(\s+)not ok \d+ - (.*)$/.exec(line);
      if (failed && failures.length < 50) failures.push(`${file}:${' '.repeat(failed[1].length / 4)}${failed[2]}`);
    }
  });
  const code = await new Promise((res) => child.on('close', (c) => res(c ?? 1)));
  return { code, summary, failures };
}

// Files that measure the server's memory under load run after the others, one at a time: a test
// file running beside them starves their clients, whose unread frames then count as the server's.
const ALONE = '// actorwire-test: runs alone';
const alone = files.filter((f) => readFileSync(join(root, f), 'utf8').includes(ALONE));
const together = files.filter((f) => !alone.includes(f));
const runs = [];
if (together.length > 0) runs.push(await runTap(together, [`--jobs=${jobs}`]));
if (alone.length > 0) runs.push(await runTap(alone, ['--jobs=1']));
await stop();
const failures = runs.flatMap((r) => r.failures);
for (const f of failures) console.log(`FAILED: ${f}`);
const code = runs.find((r) => r.code !== 0)?.code ?? 0;
const summaries = runs.map((r) => r.summary);

const count = (key) => summaries.reduce((n, summary) => n + Number(summary?.match(new RegExp(`${key}: (\\d+)`))?.[1] ?? 0), 0);
if (summaries.some((x) => x === undefined)) {
  console.log(`0 passed, ${files.length} failed, 0 skipped`);
  process.exit(code || 1);
}
const passed = count('pass');
const failed = count('fail');
const skipped = count('skip') + count('todo');
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(code !== 0 ? code : failed > 0 ? 1 : 0);
