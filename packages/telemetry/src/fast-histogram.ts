/**
 * Histograms for per-message paths. The SDK's `Histogram.record` hashes its attributes and
 * walks its storage on every call (~0.3–1 µs); a message is handled in a few µs. These are fixed
 * buckets in a typed array — an observation is a short scan and three additions — written out
 * in the Prometheus text format next to the SDK's exposition at scrape time.
 */

export class FastHistogram {
  /** Per bucket (not cumulative); the last one is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

/** A family of histograms, one per label value (a message type, say). */
export class FastHistogramFamily {
  readonly series = new Map<string, FastHistogram>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly label: string | undefined,
    readonly bounds: readonly number[],
  ) {}

  /** The histogram of `value` (the family's only one when it has no label). */
  of(value = ''): FastHistogram {
    let h = this.series.get(value);
    if (h === undefined) {
      h = new FastHistogram(this.bounds);
      this.series.set(value, h);
    }
    return h;
  }
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatNumber(n: number): string {
  return n === Infinity ? '+Inf' : String(n);
}

/** Prometheus text exposition (format 0.0.4) of `families`; `scope` as the SDK labels its own. */
export function histogramsText(families: readonly FastHistogramFamily[], scope: { name: string; version?: string }): string {
  let out = '';
  const scopeLabels = `otel_scope_name="${escapeLabel(scope.name)}"${scope.version !== undefined ? `,otel_scope_version="${escapeLabel(scope.version)}"` : ''}`;
  for (const f of families) {
    if (f.series.size === 0) continue;
    out += `# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${f.name} histogram\n`;
    for (const [value, h] of f.series) {
      const labels = f.label === undefined ? scopeLabels : `${f.label}="${escapeLabel(value)}",${scopeLabels}`;
      let cumulative = 0;
      for (let i = 0; i <= f.bounds.length; i++) {
        cumulative += h.counts[i]!;
        out += `${f.name}_bucket{${labels},le="${formatNumber(i < f.bounds.length ? f.bounds[i]! : Infinity)}"} ${cumulative}\n`;
      }
      out += `${f.name}_sum{${labels}} ${h.sum}\n${f.name}_count{${labels}} ${h.count}\n`;
    }
  }
  return out;
}
