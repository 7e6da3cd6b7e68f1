/**
 * Process and runtime metrics, named after the OpenTelemetry semantic conventions (process.*,
 * v8js.*, nodejs.eventloop.*), from Node's own counters: CPU time, memory, V8 heap spaces,
 * event-loop delay (a sampling histogram Node keeps in C++) and GC pauses. Everything but the GC
 * pauses is read at scrape time, so none of it costs anything between scrapes.
 */
import type { Histogram, Meter } from '@opentelemetry/api';
import { PerformanceObserver, constants, monitorEventLoopDelay, type IntervalHistogram, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

const GC_KINDS: ReadonlyMap<number, string> = new Map([
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
]);

export class RuntimeMetrics {
  private readonly loop: IntervalHistogram;
  private readonly gc: PerformanceObserver;

  constructor(meter: Meter) {
    // Sampled every 10 ms: enough to see a blocked loop, at no measurable cost. Node's figures
    // include the sampling interval itself; the metric is the delay beyond it.
    const resolutionNs = 10 * 1e6;
    this.loop = monitorEventLoopDelay({ resolution: 10 });
    this.loop.enable();
    const s = (ns: number) => (Number.isFinite(ns) ? Math.max(0, ns - resolutionNs) / 1e9 : 0);

    meter.createObservableCounter('process.cpu.time', { description: 'CPU time used by the process', unit: 's' }).addCallback((r) => {
      const u = process.cpuUsage();
      r.observe(u.user / 1e6, { 'cpu.mode': 'user' });
      r.observe(u.system / 1e6, { 'cpu.mode': 'system' });
    });
    meter.createObservableGauge('process.memory.usage', { description: 'Resident set size', unit: 'By' }).addCallback((r) => r.observe(process.memoryUsage.rss()));
    meter.createObservableGauge('v8js.memory.heap.used', { description: 'V8 heap in use, by space', unit: 'By' }).addCallback((r) => {
      for (const sp of getHeapSpaceStatistics()) r.observe(sp.space_used_size, { 'v8js.heap.space.name': sp.space_name });
    });
    meter.createObservableGauge('v8js.memory.heap.limit', { description: 'V8 heap size, by space', unit: 'By' }).addCallback((r) => {
      for (const sp of getHeapSpaceStatistics()) r.observe(sp.space_size, { 'v8js.heap.space.name': sp.space_name });
    });
    meter.createObservableGauge('nodejs.eventloop.delay', { description: 'Event-loop delay since the previous scrape (beyond the 10 ms sampling interval), by statistic', unit: 's' }).addCallback((r) => {
      const h = this.loop;
      r.observe(s(h.min), { statistic: 'min' });
      r.observe(s(h.mean), { statistic: 'mean' });
      r.observe(s(h.percentile(50)), { statistic: 'p50' });
      r.observe(s(h.percentile(90)), { statistic: 'p90' });
      r.observe(s(h.percentile(99)), { statistic: 'p99' });
      r.observe(s(h.max), { statistic: 'max' });
      h.reset();
    });
    const pauses: Histogram = meter.createHistogram('v8js.gc.duration', {
      description: 'Garbage collection pauses, by kind',
      unit: 's',
      advice: { explicitBucketBoundaries: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] },
    });
    this.gc = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = GC_KINDS.get((e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind ?? -1) ?? 'other';
        pauses.record(e.duration / 1000, { 'v8js.gc.type': kind });
      }
    });
    this.gc.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    this.loop.disable();
    this.gc.disconnect();
  }
}
