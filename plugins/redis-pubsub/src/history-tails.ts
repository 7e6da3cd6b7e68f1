/**
 * Messages that arrive for a room while a session prepares to join it with the Redis store:
 * the read from Redis and the live channel travel on different connections, so what is published
 * after the read reaches us only live. Held here, from before the read until the join, and
 * sent after the read's messages — none lost at the seam, none twice (offsets decide).
 */
export class Tail {
  readonly payloads: string[] = [];
  overflowed = false;
  constructor(readonly topic: string, private readonly max: number) {}

  push(payload: string): void {
    if (this.payloads.length >= this.max) {
      this.overflowed = true;
      return;
    }
    this.payloads.push(payload);
  }
}

export class Tails {
  private readonly byTopic = new Map<string, Set<Tail>>();

  open(topic: string, max: number): Tail {
    const tail = new Tail(topic, max);
    let set = this.byTopic.get(topic);
    if (set === undefined) this.byTopic.set(topic, (set = new Set()));
    set.add(tail);
    return tail;
  }

  close(tail: Tail): void {
    const set = this.byTopic.get(tail.topic);
    if (set === undefined) return;
    set.delete(tail);
    if (set.size === 0) this.byTopic.delete(tail.topic);
  }

  /** A live message of `topic` (no cost beyond one Map lookup while nobody is joining). */
  feed(topic: string, payload: string): void {
    if (this.byTopic.size === 0) return;
    const set = this.byTopic.get(topic);
    if (set !== undefined) for (const t of set) t.push(payload);
  }
}
