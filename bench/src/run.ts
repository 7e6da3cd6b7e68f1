/**
 * Orchestrator: `npm run bench` / `node --import tsx bench/src/run.ts [--smoke]`.
 * For each scenario, round and target it starts a fresh target process (core 0) and a
 * fresh load generator (core 1), collects the rounds, then prints Markdown tables and
 * writes bench/results/<timestamp>.json.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { USAGE, parseOptions, type Options } from './cli.js';
import { hostLimits } from './limits.js';
import { RESULTS_DIR } from './paths.js';
import { machine, machineLine, scenarioTable, writeJson } from './report.js';
import { SCENARIOS } from './scenarios.js';
import { StartError, runSession, type RoundRecord } from './session.js';
import { killAll } from './spawn.js';
import { summarize } from './summary.js';
import { targetByName } from './targets/index.js';
import type { TargetDef } from './targets/types.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

function preflight(o: Options): string[] {
  const warnings: string[] = [];
  const limits = hostLimits();
  const biggest = Math.max(...o.idleSteps, o.subscribers);
  if (limits.nofileHard < biggest + 1024) {
    const cap = Math.max(100, Math.floor((limits.nofileHard - 1024) / 1000) * 1000);
    warnings.push(`open-file hard limit ${limits.nofileHard} < ${biggest + 1024}: idle steps capped at ${cap}`);
    o.idleSteps = [...new Set(o.idleSteps.map((n) => Math.min(n, cap)))];
  }
  if (limits.ephemeralPorts < biggest + 1000) warnings.push(`ephemeral port range has only ${limits.ephemeralPorts} ports`);
  if (o.scenarios.includes('churn') && limits.twReuse === 0) warnings.push('net.ipv4.tcp_tw_reuse=0: churn may run out of ports');
  if (o.pin) {
    try {
      execFileSync('taskset', ['-V'], { stdio: 'ignore' });
      if (os.cpus().length < 2) throw new Error('fewer than 2 cores');
    } catch (e) {
      o.pin = false;
      warnings.push(`not pinning (${e instanceof Error ? e.message : e})`);
    }
  }
  return warnings;
}

async function main(): Promise<number> {
  const parsed = parseOptions(process.argv.slice(2));
  if (parsed === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const o = parsed;
  const started = new Date();
  const t0 = performance.now();
  const warnings = preflight(o);
  warnings.forEach((w) => log(`warning: ${w}`));
  const limits = hostLimits();
  const mach = machine(o.node);
  const loadBefore = os.loadavg();

  const targets = o.targets.map((n) => targetByName(n)!);
  const unavailable = new Map<string, string>();
  for (const t of targets) {
    const why = t.unavailable();
    if (why) {
      unavailable.set(t.name, why);
      log(`${t.name}: unavailable (${why})`);
    }
  }

  const records: RoundRecord[] = [];
  const runOne = async (t: TargetDef, rounds: number[], scenario: (typeof SCENARIOS)[keyof typeof SCENARIOS]) => {
    if (unavailable.has(t.name)) return;
    if (scenario.onlyFor && !scenario.onlyFor.includes(t.name)) return;
    try {
      records.push(...(await runSession(t, scenario, rounds, o, limits, log)));
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (e instanceof StartError) {
        // A target that does not start is reported, not fatal, and not retried.
        unavailable.set(t.name, `failed to start: ${msg}`);
        log(`${t.name}: unavailable (failed to start: ${msg.slice(0, 300)})`);
      } else {
        for (const round of rounds) records.push({ target: t.name, scenario: scenario.id, round, ok: false, error: msg, metrics: {}, notes: [] });
        log(`  ${scenario.id} ${t.name}: FAILED ${msg}`);
      }
    }
  };

  const rounds = Array.from({ length: o.rounds }, (_, i) => i + 1);
  for (const id of o.scenarios) {
    const def = SCENARIOS[id];
    log(`# ${def.title(o)}`);
    if (def.roundsInOneProcess) {
      for (const t of targets) await runOne(t, rounds, def);
    } else {
      // Rounds outermost, targets interleaved: background noise spreads over all targets.
      for (const r of rounds) for (const t of targets) await runOne(t, [r], def);
    }
  }

  const summaries = o.scenarios.map((id) => summarize(SCENARIOS[id], o, o.targets, records, unavailable));
  const elapsedS = (performance.now() - t0) / 1000;
  const header = [
    `## Results ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC — ${machineLine(mach)}`,
    '',
    `${o.rounds} round(s) per scenario, median (min–max). Server pinned to core 0, load generator to core 1: ${o.pin ? 'yes' : 'no'}. Run took ${elapsedS.toFixed(0)} s; load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}.${o.tracing !== null ? ` Actorwire exported traces, sampling ${o.tracing * 100} %.` : ''}`,
    ...warnings.map((w) => `Warning: ${w}.`),
  ];
  process.stdout.write(`\n${header.join('\n')}\n\n${summaries.map(scenarioTable).join('\n\n')}\n`);

  if (o.out !== null) {
    const path = o.out || join(RESULTS_DIR, `${started.toISOString().replace(/[:.]/g, '-')}.json`);
    const { jwtSecret: _secret, ...options } = o;
    writeJson(path, {
      version: 1,
      date: started.toISOString(),
      elapsedS,
      machine: mach,
      limits,
      loadavg: { before: loadBefore, after: os.loadavg() },
      options,
      warnings,
      targets: targets.map((t) => ({ name: t.name, description: t.description, authenticates: t.authenticates, unavailable: unavailable.get(t.name) ?? null })),
      scenarios: summaries,
      rounds: records,
    });
    log(`\nJSON: ${path}`);
  }
  log(`done in ${elapsedS.toFixed(0)} s`);
  const failed = unavailable.size > 0 || records.some((r) => !r.ok);
  return o.strict && failed ? 1 : 0;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    void killAll().finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  async (e) => {
    log(`bench: ${e instanceof Error ? (e.stack ?? e.message) : e}`);
    await killAll();
    process.exit(2);
  },
);
