/**
 * The handler registry in the container (`kafkaHandlers`): other plugins (snapshots,
 * analytics, …) register what to do with records of a topic or topic pattern.
 *
 *   // in your plugin's manifest: requires: ['kafkaHandlers']
 *   const kafka = ctx.services.get('kafkaHandlers');
 *   kafka.register('orders.events', async (record, { notifier }) => { … });
 *   kafka.register(/^catalog\./, refreshCatalogCache);
 *
 * Register during your plugin's `register` (`requires: ['kafkaHandlers']` orders your plugin
 * after kafka): the consumer subscribes to the union of topics when the server is ready.
 */
import type { Bus, SessionRegistry } from '@actorwire/core';
import type { Notifier } from '@actorwire/plugin-rooms';
import type { KafkaRecord } from './record.js';

export type { Notifier };

export interface HandlerContext {
  notifier: Notifier | undefined;
  bus: Bus;
  sessions: SessionRegistry;
  /** 1 on the first call, then 2, 3, … on retries. */
  attempt: number;
}

export type KafkaHandler = (record: KafkaRecord, ctx: HandlerContext) => Promise<void> | void;

export interface RegisteredHandler {
  name: string;
  match: string | RegExp;
  handler: KafkaHandler;
}

/** `false`: records stopped arriving (the brokers are away); `true`: they flow again after that. */
export type AvailabilityListener = (available: boolean) => void;

export class KafkaHandlers {
  private readonly items: RegisteredHandler[] = [];
  private readonly listeners: AvailabilityListener[] = [];
  private frozen = false;

  /**
   * Be told when the stream of records stops (the consumer lost the brokers) and when it flows
   * again — e.g. to tell viewers their data may be stale, then refresh what they view. Called
   * only on changes after the consumer first joined its group. Register from your plugin's register().
   */
  onAvailability(listener: AvailabilityListener): void {
    this.listeners.push(listener);
  }

  /** The consumer's side of onAvailability. A listener that throws does not stop the others. */
  availabilityChanged(available: boolean, onError: (err: unknown) => void): void {
    for (const l of this.listeners) {
      try {
        l(available);
      } catch (err) {
        onError(err);
      }
    }
  }

  /** `name` appears in logs, metrics and dead-letter headers. */
  register(match: string | RegExp, handler: KafkaHandler, name = typeof match === 'string' ? match : match.source): void {
    if (this.frozen) throw new Error(`kafkaHandlers.register("${name}") after the consumer started: register handlers in your plugin's register()`);
    if (typeof match === 'string' && match.trim() === '') throw new Error('kafkaHandlers.register: empty topic');
    this.items.push({ name, match, handler });
  }

  /** Called when the consumer subscribes. */
  freeze(): void {
    this.frozen = true;
  }

  for(topic: string): RegisteredHandler[] {
    return this.items.filter((h) => (typeof h.match === 'string' ? h.match === topic : h.match.test(topic)));
  }

  /** What to subscribe to. */
  subscriptions(): Array<string | RegExp> {
    const seen = new Set<string>();
    const out: Array<string | RegExp> = [];
    for (const h of this.items) {
      const key = typeof h.match === 'string' ? `s:${h.match}` : `r:${h.match.source}/${h.match.flags}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(h.match);
    }
    return out;
  }

  get size(): number {
    return this.items.length;
  }
}
