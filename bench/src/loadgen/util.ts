/** Small helpers for the scenarios: a bounded-concurrency pool, clocks, percentiles. */

export const now = (): number => performance.now();
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface PoolOutcome {
  errors: number;
  firstError?: string;
}

/** Run `fn(i)` for i in [from, to) with at most `concurrency` in flight; failures are counted. */
export async function pool(from: number, to: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<PoolOutcome> {
  let next = from;
  const out: PoolOutcome = { errors: 0 };
  const worker = async () => {
    while (next < to) {
      const i = next++;
      try {
        await fn(i);
      } catch (e) {
        out.errors++;
        out.firstError ??= e instanceof Error ? e.message : String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, to - from) }, worker));
  return out;
}

/** Nearest-rank percentile of an ascending-sorted array. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Append-only Float64 buffer that grows without per-sample allocation. */
export class Samples {
  private buf = new Float64Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = v;
  }
  sorted(): Float64Array {
    return this.buf.slice(0, this.length).sort();
  }
}

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
