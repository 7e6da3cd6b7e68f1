/**
 * One clock for every actor timer. Timers are kept in buckets of `resolution` ms and fired
 * by a single interval (or, in tests, by `advance`), so 10,000 sessions cost 10,000 small
 * entries and one Node timer instead of 10,000 Node timers.
 *
 * A timer fires at the first tick at or after its due time: never early, at most one
 * resolution late. Callbacks that schedule new timers during a tick are fine; a timer due
 * in the past fires on the next tick.
 *
 * Memory matters here (a pending timer per session): each bucket is an intrusive doubly
 * linked list through the timers themselves, so a timer is one object and no Set or array
 * entry, and removal is O(1).
 */
/** What reads the time. */
export interface Clock {
  now(): number;
}

/** A timer on the wheel. Subclass it and implement `fire` to carry your own fields without a closure. */
export abstract class WheelTimer {
  /** Bucket index while scheduled, -1 otherwise. */
  bucket = -1;
  next: WheelTimer | undefined = undefined;
  prev: WheelTimer | undefined = undefined;
  abstract fire(): void;
}

class CallbackTimer extends WheelTimer {
  constructor(private readonly fn: () => void) {
    super();
  }
  fire(): void {
    this.fn();
  }
}

/** What schedules timers: the time, and setTimeout/clearTimeout on the shared wheel. */
export interface TimerClock extends Clock {
  setTimeout(fn: () => void, ms: number): WheelTimer;
  clearTimeout(timer: WheelTimer | undefined): void;
}

export class TimerWheel implements TimerClock {
  /** Bucket index → first timer of the bucket. */
  private readonly heads = new Map<number, WheelTimer>();
  /** Bucket index of the last tick run: buckets at or below it have fired. */
  private lastTick: number;
  private size = 0;

  /** Called with what a timer callback threw; the other callbacks of the tick still run. */
  onError: (err: unknown) => void = (err) => console.error('actorwire: a timer failed', err);

  constructor(
    readonly resolution: number,
    private readonly source: () => number = Date.now,
  ) {
    if (!(resolution > 0)) throw new RangeError(`timer resolution must be positive (got ${resolution})`);
    this.lastTick = Math.floor(this.source() / resolution);
  }

  now(): number {
    return this.source();
  }

  /** Pending timers (for tests and health). */
  get pending(): number {
    return this.size;
  }

  setTimeout(fn: () => void, ms: number): WheelTimer {
    const timer = new CallbackTimer(fn);
    this.schedule(timer, ms);
    return timer;
  }

  clearTimeout(timer: WheelTimer | undefined): void {
    if (timer !== undefined) this.unschedule(timer);
  }

  /** Put `timer` on the wheel `ms` from now (moving it if it was already scheduled). */
  schedule(timer: WheelTimer, ms: number): void {
    this.unschedule(timer);
    const due = this.source() + Math.max(0, ms);
    // Round up, and never into a bucket that has already run.
    const index = Math.max(Math.ceil(due / this.resolution), this.lastTick + 1);
    const head = this.heads.get(index);
    timer.bucket = index;
    timer.prev = undefined;
    timer.next = head;
    if (head !== undefined) head.prev = timer;
    this.heads.set(index, timer);
    this.size++;
  }

  /** Take `timer` off the wheel; nothing happens if it is not on it. */
  unschedule(timer: WheelTimer): void {
    if (timer.bucket < 0) return;
    const { prev, next } = timer;
    if (prev !== undefined) prev.next = next;
    else if (next !== undefined) this.heads.set(timer.bucket, next);
    else this.heads.delete(timer.bucket);
    if (next !== undefined) next.prev = prev;
    timer.bucket = -1;
    timer.next = timer.prev = undefined;
    this.size--;
  }

  /** Fire every timer whose bucket is due at `now`, oldest bucket first. */
  runDue(now: number = this.source()): void {
    const until = Math.floor(now / this.resolution);
    if (until - this.lastTick > this.heads.size + 64) {
      // A long stall or a clock jump: visit the buckets that exist, not every tick in between.
      for (const index of [...this.heads.keys()].filter((i) => i <= until).sort((a, b) => a - b)) {
        this.lastTick = index - 1;
        this.runDue(index * this.resolution);
      }
      this.lastTick = until;
      return;
    }
    while (this.lastTick < until) {
      const index = ++this.lastTick;
      // Pop one at a time: a callback may cancel (or reschedule) another timer of this bucket.
      for (let timer = this.heads.get(index); timer !== undefined; timer = this.heads.get(index)) {
        this.unschedule(timer);
        try {
          timer.fire();
        } catch (err) {
          // One failing callback must not stop the others of the tick.
          this.onError(err);
        }
      }
    }
  }

  /** Drive the wheel from the real clock; returns a function that stops it. */
  start(): () => void {
    const interval = setInterval(() => this.runDue(), this.resolution);
    interval.unref();
    return () => clearInterval(interval);
  }
}

/**
 * A wheel on simulated time, for tests: nothing fires until `advance` moves the time on
 * (`createKernel({ clock })` drives a real server's heartbeats, deadlines and expiry with it).
 */
export class ManualClock extends TimerWheel {
  private readonly box: { t: number };

  constructor(opts: { resolution?: number; start?: number } = {}) {
    const resolution = opts.resolution ?? 10;
    // Start on a tick boundary, so a timer of N ms fires after exactly `advance(N)`.
    const box = { t: opts.start ?? Math.ceil(Date.now() / resolution) * resolution };
    super(resolution, () => box.t);
    this.box = box;
  }

  /** Move time forward by `ms`, firing what falls due, one resolution step at a time. */
  advance(ms: number): void {
    const target = this.box.t + ms;
    while (this.box.t < target) {
      this.box.t = Math.min(target, this.box.t + this.resolution);
      this.runDue(this.box.t);
    }
    if (ms === 0) this.runDue(this.box.t);
  }
}
