/** Rounds → per scenario and target: median with min–max, CPU shares, which side was the limit. */
import type { Options } from './cli.js';
import type { MetricDef, ScenarioDef } from './scenarios.js';
import type { RoundRecord } from './session.js';
import type { ScenarioId } from './types.js';

export interface Cell {
  median: number;
  min: number;
  max: number;
  n: number;
}

export type Limit = 'server' | 'load generator' | 'both' | 'neither';

export interface TargetRow {
  target: string;
  status: 'ok' | 'unavailable' | 'failed';
  reason?: string;
  /** Rounds that produced figures / rounds attempted. */
  rounds: { ok: number; total: number };
  metrics: Record<string, Cell>;
  /** Shares of one core; `other` = the rest of the machine (noise from other processes). */
  cpu?: { server: Cell; loadgen: Cell; other?: Cell };
  limit?: Limit;
  notes: string[];
  /** churn only: server RSS and V8 heap after full GCs (MB) after each round, in order, and the verdict. */
  rssAfterRounds?: number[];
  heapAfterRounds?: number[];
  leak?: string;
}

export interface ScenarioSummary {
  id: ScenarioId;
  title: string;
  metrics: MetricDef[];
  primary: string;
  rows: TargetRow[];
}

/** A core counts as saturated above this share (the other side then waits on it). */
export const SATURATED = 0.85;

export function cell(values: number[]): Cell | undefined {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { median, min: v[0]!, max: v[v.length - 1]!, n: v.length };
}

export function limitOf(server: number, loadgen: number): Limit {
  const s = server >= SATURATED;
  const l = loadgen >= SATURATED;
  return s && l ? 'both' : s ? 'server' : l ? 'load generator' : 'neither';
}

/**
 * Heap retained per churn cycle above which the leak check says "leak". A leaked session
 * (socket, actor, timers) is kilobytes; this is far below that and far above the
 * round-to-round noise of the heap after full GCs (tens of KB over tens of thousands of cycles).
 */
export const LEAK_BYTES_PER_CYCLE = 64;

/**
 * Leak check on retained objects: the V8 heap after full GCs at the end of each round (MB),
 * its growth from round 1 to the last divided by the cycles of the rounds after the first.
 * Round 1 is the baseline because it also pays for one-time warm-up (compiled code, caches).
 */
export function leakVerdict(heapMB: number[], cycles: number[]): string {
  if (heapMB.length < 3 || heapMB.some((v) => !Number.isFinite(v))) return 'n/a (needs 3 rounds with heap figures)';
  const later = cycles.slice(1).reduce((a, b) => a + b, 0);
  if (!(later > 0)) return 'n/a (no cycles)';
  const perCycle = ((heapMB[heapMB.length - 1]! - heapMB[0]!) * 1024 * 1024) / later;
  const figure = `${perCycle >= 0 ? '+' : ''}${perCycle.toFixed(1)} B/cycle`;
  return perCycle > LEAK_BYTES_PER_CYCLE ? `LEAK (${figure})` : `no leak (${figure})`;
}

export function summarize(
  def: ScenarioDef,
  o: Options,
  targets: string[],
  records: RoundRecord[],
  unavailable: Map<string, string>,
): ScenarioSummary {
  const metrics = def.metrics(o);
  // Targets that cannot run the scenario (a plugin feature the peers lack) get no row.
  const rows = targets.filter((target) => !def.onlyFor || def.onlyFor.includes(target)).map((target): TargetRow => {
    const mine = records.filter((r) => r.target === target && r.scenario === def.id).sort((a, b) => a.round - b.round);
    const ok = mine.filter((r) => r.ok);
    const row: TargetRow = {
      target,
      status: 'ok',
      rounds: { ok: ok.length, total: mine.length },
      metrics: {},
      notes: [...new Set(mine.flatMap((r) => (r.ok ? r.notes : [`round ${r.round} failed: ${r.error}`])))],
    };
    if (ok.length === 0) {
      const why = unavailable.get(target);
      return { ...row, status: why && mine.length === 0 ? 'unavailable' : 'failed', reason: why ?? mine[0]?.error ?? 'not run' };
    }
    for (const m of metrics) {
      const c = cell(ok.map((r) => r.metrics[m.key] ?? NaN));
      if (c) row.metrics[m.key] = c;
    }
    const server = cell(ok.map((r) => r.cpu?.server ?? NaN));
    const loadgen = cell(ok.map((r) => r.cpu?.loadgen ?? NaN));
    const other = cell(ok.map((r) => r.cpu?.other ?? NaN));
    if (server && loadgen) {
      row.cpu = { server, loadgen, other };
      row.limit = limitOf(server.median, loadgen.median);
    }
    if (def.id === 'churn') {
      row.rssAfterRounds = ok.map((r) => r.metrics.rss_after_mb ?? NaN);
      row.heapAfterRounds = ok.map((r) => r.metrics.heap_after_mb ?? NaN);
      row.leak = leakVerdict(row.heapAfterRounds, ok.map((r) => r.metrics.cycles ?? NaN));
    }
    return row;
  });
  return { id: def.id, title: def.title(o), metrics, primary: def.primary(o), rows };
}
