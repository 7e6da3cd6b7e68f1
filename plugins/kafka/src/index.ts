/**
 * @actorwire/plugin-kafka — Kafka records become WebSocket deliveries (entity services): a consumer
 * group, a handler registry for other plugins (`kafkaHandlers`), a configuration-driven route
 * (WS_ENTITY_TOPICS → rooms/users), at-least-once processing with retries and a dead-letter
 * topic, an optional producer for client messages, lag and state on /metrics and /health.
 */
import { definePlugin, packageInfo } from '@actorwire/core';
import { KafkaRuntime } from './consumer.js';
import { defaultRoute } from './default-route.js';
import { installForwarder } from './forwarder.js';
import { KafkaHandlers } from './handlers.js';
import { entityOfTopics, optionsFromEnv, optionsSchema, type KafkaOptions } from './options.js';

export type { KafkaOptions } from './options.js';
export type { KafkaHandler, HandlerContext, Notifier } from './handlers.js';
export type { KafkaRecord } from './record.js';
export { KafkaHandlers } from './handlers.js';
export { PoisonRecord } from './record.js';

declare module '@actorwire/core' {
  interface ActorwireServices {
    /** Handlers of Kafka records, by topic (provided by @actorwire/plugin-kafka). */
    kafkaHandlers: KafkaHandlers;
  }
}

export default definePlugin<KafkaOptions>({
  name: 'kafka',
  version: packageInfo(import.meta.url).version,
  kernel: '^0.2.0',
  dependsOn: { rooms: '^0.2.0' },
  provides: ['kafkaHandlers'],
  // The default route delivers through the rooms plugin's notifier.
  requires: ['notifier'],
  options: optionsSchema,
  optionsFromEnv,
  register(ctx, o) {
    const handlers = new KafkaHandlers();
    ctx.services.provide('kafkaHandlers', handlers);

    const entityOf = entityOfTopics(o.entityTopics);
    const route = defaultRoute(entityOf, o.roomTemplate, o.userTemplate, (topic) => handlers.for(topic).length);
    for (const [topic, entity] of entityOf) handlers.register(topic, route, `entity:${entity}`);

    const notifier = () => ctx.services.find('notifier');
    const latency = ctx.meter.createHistogram('actorwire_kafka_record_delivery_seconds', {
      description: 'From a Kafka record\'s timestamp to the end of its processing (its WebSocket deliveries), per topic',
      unit: 's',
      advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] },
    });
    const runtime = new KafkaRuntime(o, handlers, () => ({ notifier: notifier(), bus: ctx.bus, sessions: ctx.sessions }), ctx.tracer, ctx.logger,
      (topic, ms) => latency.record(ms / 1000, { topic }), ctx.inputs('kafka', { maxBytes: o.maxRecordSize }));
    const forward = installForwarder(ctx, o, () => runtime.producer);

    ctx.hooks.on('onReady', () => runtime.start());
    ctx.hooks.on('onClose', () => runtime.stop());

    ctx.health('kafka', () => ({
      // Degraded while records do not flow (not consuming, or the brokers silent), or for 10 s after a forward was dropped or failed.
      status: runtime.available && Date.now() - forward.lastTroubleAt > 10_000 ? 'up' : 'degraded',
      forward: { pending: forward.pending, dropped: forward.dropped, failed: forward.failed },
      state: runtime.state,
      groupId: o.groupId,
      lag: Object.fromEntries(runtime.lag),
      ...(runtime.state === 'consuming' && !runtime.available ? { detail: `no answer from the brokers for ${Math.round(runtime.silentFor / 1000)} s` } : runtime.lastError ? { detail: runtime.lastError } : {}),
    }));

    const stats = runtime.processor.stats;
    ctx.meter.createObservableGauge('actorwire_kafka_consumer_lag', { description: 'Records not yet committed by the consumer group, per topic' }).addCallback((r) => {
      for (const [topic, lag] of runtime.lag) r.observe(lag, { topic });
    });
    ctx.meter.createObservableCounter('actorwire_kafka_records', { description: 'Kafka records: consumed, dead_lettered, forwarded, forward_failed, forward_dropped (the broker did not keep up)' }).addCallback((r) => {
      r.observe(stats.consumed, { kind: 'consumed' });
      r.observe(stats.deadLettered, { kind: 'dead_lettered' });
      r.observe(forward.forwarded, { kind: 'forwarded' });
      r.observe(forward.failed, { kind: 'forward_failed' });
      r.observe(forward.dropped, { kind: 'forward_dropped' });
    });
    ctx.meter.createObservableCounter('actorwire_kafka_handler_errors', { description: 'Failed handler attempts, per handler' }).addCallback((r) => {
      for (const [handler, n] of stats.handlerErrors) r.observe(n, { handler });
    });
  },
});
