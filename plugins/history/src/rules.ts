/** Which rooms keep history and how much: the most specific matching pattern's rule. */
import { compilePattern } from '@actorwire/core';
import type { HistoryRule } from './options.js';

const CACHE_MAX = 10_000;

export class HistoryRules {
  private readonly compiled: Array<{ regex: RegExp; specificity: number; rule: HistoryRule }>;
  /** Topic → rule (null: none); cleared whole when full — lookups are cheap to redo. */
  private readonly cache = new Map<string, HistoryRule | null>();

  constructor(readonly rules: readonly HistoryRule[]) {
    this.compiled = rules
      .map((rule) => ({ ...compilePattern(rule.pattern), rule }))
      .sort((a, b) => b.specificity - a.specificity);
  }

  get size(): number {
    return this.compiled.length;
  }

  ruleOf(topic: string): HistoryRule | undefined {
    let r = this.cache.get(topic);
    if (r === undefined) {
      r = this.compiled.find((c) => c.regex.test(topic))?.rule ?? null;
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(topic, r);
    }
    return r ?? undefined;
  }
}
