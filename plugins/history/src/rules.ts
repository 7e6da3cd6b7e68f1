/**
 * Which rooms keep history and how much: the most specific matching pattern's rule. Rooms only:
 * the kernel's system topics (`$broadcast`, …) and user channels never keep history, whatever
 * the patterns (`*` means every room).
 */
import { compilePattern } from '@actorwire/core';
import type { HistoryRule, KeptRule } from './options.js';

const CACHE_MAX = 10_000;

export class HistoryRules {
  private readonly compiled: Array<{ regex: RegExp; specificity: number; rule: KeptRule }>;
  /** The rules with their defaults, in the order given. */
  readonly rules: readonly KeptRule[];
  /** Topic → rule (null: none); cleared whole when full — lookups are cheap to redo. */
  private readonly cache = new Map<string, KeptRule | null>();

  constructor(given: readonly HistoryRule[], private readonly userTopicPrefix: string) {
    this.rules = given.map((r) => ({ pattern: r.pattern, size: r.size ?? 100, ttl: r.ttl ?? 0 }));
    this.compiled = this.rules
      .map((rule) => ({ ...compilePattern(rule.pattern), rule }))
      .sort((a, b) => b.specificity - a.specificity);
  }

  get size(): number {
    return this.compiled.length;
  }

  ruleOf(topic: string): KeptRule | undefined {
    let r = this.cache.get(topic);
    if (r === undefined) {
      const room = !topic.startsWith('$') && !topic.startsWith(this.userTopicPrefix);
      r = (room ? this.compiled.find((c) => c.regex.test(topic))?.rule : undefined) ?? null;
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(topic, r);
    }
    return r ?? undefined;
  }
}
