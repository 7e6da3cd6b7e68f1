/**
 * Coalesces bursts: items marked while records keep coming are handed over together once the
 * records stop for `window` ms, or `maxDelay` ms after the first under a steady stream. Marking
 * the same key twice keeps one item. Shared by the refreshers of every snapshot kind.
 */
export interface CoalescerOptions {
  window: number;
  maxDelay: number;
}

export class Coalescer<T> {
  private readonly marked = new Map<string, T>();
  private timer: NodeJS.Timeout | undefined;
  private firstMarkAt = 0;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly o: CoalescerOptions,
    private readonly run: (items: T[]) => Promise<void>,
  ) {}

  mark(key: string, item: T): void {
    this.marked.set(key, item);
  }

  /** Start (or push back) the window: call after marking what one record touched. */
  schedule(): void {
    const now = Date.now();
    if (this.timer === undefined) this.firstMarkAt = now;
    else clearTimeout(this.timer);
    // Quiet for the window, but never later than maxDelay after the first record.
    const wait = Math.max(0, Math.min(this.o.window, this.firstMarkAt + Math.max(this.o.window, this.o.maxDelay) - now));
    this.timer = setTimeout(() => void this.flush(), wait);
    this.timer.unref();
  }

  /** Hand over what is marked now (tests and shutdown). */
  async flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const items = [...this.marked.values()];
    this.marked.clear();
    const work = this.run(items);
    this.running.add(work);
    try {
      await work;
    } finally {
      this.running.delete(work);
    }
  }

  /** Stop the window and wait for work under way (shutdown). */
  async idle(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all([...this.running]);
  }
}
