/**
 * Which rooms' history channels this instance listens to: rooms with local members (the kernel
 * says so through the transport's topicActive/topicInactive) and rooms a session is joining.
 * `acquire` resolves once Redis confirmed the subscription, so a read made after it misses
 * nothing that the channel would not bring.
 */
export class Interest {
  private readonly counts = new Map<string, number>();
  private readonly subscribed = new Map<string, Promise<void>>();

  constructor(
    private readonly subscribe: (topic: string) => Promise<void>,
    private readonly unsubscribe: (topic: string) => void,
  ) {}

  acquire(topic: string): Promise<void> {
    const n = (this.counts.get(topic) ?? 0) + 1;
    this.counts.set(topic, n);
    let ready = this.subscribed.get(topic);
    if (ready === undefined) {
      ready = this.subscribe(topic);
      this.subscribed.set(topic, ready);
      // A failed subscribe is retried by the next acquire (or by `renew` after a reconnect).
      ready.catch(() => {
        if (this.subscribed.get(topic) === ready) this.subscribed.delete(topic);
      });
    }
    return ready;
  }

  release(topic: string): void {
    const n = (this.counts.get(topic) ?? 0) - 1;
    if (n > 0) {
      this.counts.set(topic, n);
      return;
    }
    this.counts.delete(topic);
    this.subscribed.delete(topic);
    this.unsubscribe(topic);
  }

  /** After a reconnection: subscribe every wanted room again. */
  renew(): void {
    this.subscribed.clear();
    for (const topic of this.counts.keys()) {
      const ready = this.subscribe(topic);
      this.subscribed.set(topic, ready);
      ready.catch(() => {
        if (this.subscribed.get(topic) === ready) this.subscribed.delete(topic);
      });
    }
  }

  get size(): number {
    return this.counts.size;
  }
}
