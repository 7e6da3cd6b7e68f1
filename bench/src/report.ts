/** Markdown tables for stdout/README and the JSON results file. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname } from 'node:path';
import type { Cell, ScenarioSummary, TargetRow } from './summary.js';

/** Ratio columns compare against these two floors. */
const REFERENCES = ['hyper-express', 'uws'] as const;
const REF_LABEL: Record<string, string> = { 'hyper-express': 'hyper-express', uws: 'uWS' };

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(2)}M`;
  if (a >= 1e5) return `${(v / 1e3).toFixed(0)}k`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

function fmtCell(c: Cell | undefined): string {
  if (!c) return '–';
  return c.n > 1 ? `${fmt(c.median)} (${fmt(c.min)}–${fmt(c.max)})` : fmt(c.median);
}

const pct = (c: Cell | undefined) => (c ? `${(c.median * 100).toFixed(0)}%` : '–');

function ratio(row: TargetRow, ref: TargetRow | undefined, key: string): string {
  const a = row.metrics[key]?.median;
  const b = ref?.metrics[key]?.median;
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '–';
  return `${(a / b).toFixed(2)}×`;
}

export function scenarioTable(s: ScenarioSummary): string {
  const labelOf = (key: string) => s.metrics.find((m) => m.key === key)?.label ?? key;
  const compared = [s.primary, ...s.metrics.filter((m) => m.compare && m.key !== s.primary).map((m) => m.key)];
  const churn = s.id === 'churn';
  const head = [
    'target',
    ...s.metrics.map((m) => m.label),
    ...(churn ? ['RSS after r1→r2→r3 (MB)', 'heap after GC r1→r2→r3 (MB)', 'leak check (heap)'] : []),
    ...compared.flatMap((key) => REFERENCES.map((r) => `${labelOf(key)} ×${REF_LABEL[r]}`)),
    'server CPU',
    'loadgen CPU',
    'other CPU',
    'limit',
  ];
  const refs = new Map(REFERENCES.map((r) => [r, s.rows.find((x) => x.target === r && x.status === 'ok')]));
  const lines = [`### ${s.title}`, '', `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const notes: string[] = [];
  for (const row of s.rows) {
    if (row.status !== 'ok') {
      lines.push(`| ${[row.target, `**${row.status}**`, ...Array<string>(head.length - 2).fill('')].join(' | ')} |`);
      notes.push(`${row.target}: ${row.status} — ${oneLine(row.reason ?? '')}`);
      continue;
    }
    const partial = row.rounds.ok < row.rounds.total ? ` (${row.rounds.ok}/${row.rounds.total} rounds)` : '';
    lines.push(
      `| ${row.target}${partial} | ${[
        ...s.metrics.map((m) => fmtCell(row.metrics[m.key])),
        ...(churn ? [(row.rssAfterRounds ?? []).map(fmt).join(' → '), (row.heapAfterRounds ?? []).map(fmt).join(' → '), row.leak ?? '–'] : []),
        ...compared.flatMap((key) => REFERENCES.map((r) => ratio(row, refs.get(r), key))),
        pct(row.cpu?.server),
        pct(row.cpu?.loadgen),
        pct(row.cpu?.other),
        row.limit ?? '–',
      ].join(' | ')} |`,
    );
    for (const n of row.notes) notes.push(`${row.target}: ${oneLine(n)}`);
  }
  if (notes.length) lines.push('', ...notes.map((n) => `- ${n}`));
  return lines.join('\n');
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').slice(0, 300);

export interface Machine {
  cpu: string;
  cores: number;
  memGiB: number;
  kernel: string;
  node: string;
  /** The Actorwire target's Node when `--node` gave another binary. */
  actorwireNode?: string;
  packages: Record<string, string>;
}

export function machine(actorwireNode?: string | null): Machine {
  const require = createRequire(import.meta.url);
  const packages: Record<string, string> = {};
  for (const p of ['uWebSockets.js', 'hyper-express', 'ws', 'socket.io', 'socket.io-client', 'jose']) {
    try {
      const path = require.resolve(`${p}/package.json`);
      const pkg = JSON.parse(readFileSync(path, 'utf8')) as { name: string; version: string };
      packages[p] = pkg.name === p ? pkg.version : `${pkg.name}@${pkg.version}`;
    } catch {
      packages[p] = 'missing';
    }
  }
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    ...(actorwireNode ? { actorwireNode: execFileSync(actorwireNode, ['--version']).toString().trim() } : {}),
    packages,
  };
}

export function machineLine(m: Machine): string {
  const actorwire = m.actorwireNode ? ` (Actorwire on Node ${m.actorwireNode.slice(1)})` : '';
  return `${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, Linux ${m.kernel}, Node ${m.node.slice(1)}${actorwire}`;
}

export function writeJson(path: string, data: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
}
