/**
 * One record, at least once: decode → every matching handler, each retried with exponential
 * backoff up to `maxAttempts` (a handler that succeeded is not run again) → on a poison record
 * or exhausted retries, the record goes to the dead-letter topic with the reason → only then
 * is the offset committed by the caller. A partition never stalls and nothing is dropped silently.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context as otelContext, propagation, trace, type Tracer } from '@opentelemetry/api';
import type { KafkaMessage, Producer } from 'kafkajs';
import type { HandlerContext, KafkaHandlers } from './handlers.js';
import type { InputGuard } from '@actorwire/core';
import { DEFAULT_RECORD_LIMITS, PoisonRecord, decodeHeaders, decodeRecord, type KafkaRecord, type RecordLimits } from './record.js';

export interface ProcessorStats {
  consumed: number;
  handlerErrors: Map<string, number>;
  deadLettered: number;
}

export interface ProcessorDeps {
  handlers: KafkaHandlers;
  context: () => Omit<HandlerContext, 'attempt'>;
  producer: Producer;
  dlqTopic: string;
  maxAttempts: number;
  retryBackoff: number;
  tracer: Tracer;
  /** The consumer group (a span attribute). */
  groupId?: string;
  /** Called once a record is processed: ms from its timestamp (the producer's clock) to now. */
  recordLatency?: (topic: string, ms: number) => void;
  logger: { warn(o: object, m: string): void; error(o: object, m: string): void; debug(o: object, m: string): void };
  /** False while shutting down: stop retrying, leave the record uncommitted. */
  running: () => boolean;
  /** Limits of a record (value size and depth, headers); refusals are counted by `guard`. */
  limits?: RecordLimits;
  guard?: InputGuard;
}

export class ShuttingDown extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createProcessor(d: ProcessorDeps) {
  const stats: ProcessorStats = { consumed: 0, handlerErrors: new Map(), deadLettered: 0 };

  async function deadLetter(topic: string, partition: number, m: KafkaMessage, reason: string, handler?: string): Promise<void> {
    const headers: Record<string, string> = {
      ...decodeHeaders(m.headers),
      'x-dlq-reason': reason.slice(0, 1000),
      'x-dlq-topic': topic,
      'x-dlq-partition': String(partition),
      'x-dlq-offset': m.offset,
      'x-dlq-at': new Date().toISOString(),
      ...(handler ? { 'x-dlq-handler': handler } : {}),
    };
    // Throws when the DLQ cannot be written: the record stays uncommitted and is retried.
    await d.producer.send({ topic: d.dlqTopic, acks: -1, messages: [{ key: m.key, value: m.value, headers }] });
    stats.deadLettered++;
    d.logger.warn({ topic, partition, offset: m.offset, reason, handler, dlq: d.dlqTopic }, 'record sent to the dead-letter topic');
  }

  async function runHandler(name: string, fn: (rec: KafkaRecord, ctx: HandlerContext) => unknown, rec: KafkaRecord): Promise<string | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        await fn(rec, { ...d.context(), attempt });
        return undefined;
      } catch (err) {
        if (err instanceof PoisonRecord) return err.reason;
        stats.handlerErrors.set(name, (stats.handlerErrors.get(name) ?? 0) + 1);
        const msg = (err as Error)?.message ?? String(err);
        if (attempt >= d.maxAttempts) return `handler ${name} failed ${attempt} times: ${msg}`;
        if (!d.running()) throw new ShuttingDown();
        const delay = Math.min(30_000, d.retryBackoff * 2 ** (attempt - 1));
        d.logger.warn({ handler: name, topic: rec.topic, partition: rec.partition, offset: rec.offset, attempt, retryInMs: delay, err: msg }, 'Kafka handler failed; retrying');
        await sleep(delay);
      }
    }
  }

  /** Process one record; resolves when its offset may be committed. */
  async function process(topic: string, partition: number, m: KafkaMessage): Promise<void> {
    stats.consumed++;
    const carrier = decodeHeaders(m.headers);
    const parent = carrier.traceparent ? propagation.extract(ROOT_CONTEXT, carrier) : otelContext.active();
    const span = d.tracer.startSpan(`process ${topic}`, {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.destination.name': topic,
        'messaging.destination.partition.id': String(partition),
        'messaging.kafka.offset': Number(m.offset),
        ...(d.groupId !== undefined ? { 'messaging.consumer.group.name': d.groupId } : {}),
      },
    }, parent);
    try {
      await otelContext.with(trace.setSpan(parent, span), async () => {
        let rec: KafkaRecord;
        try {
          rec = decodeRecord(topic, partition, m, d.limits ?? DEFAULT_RECORD_LIMITS);
        } catch (err) {
          if (!(err instanceof PoisonRecord)) throw err;
          d.guard?.refuse(err.refusal ?? 'invalid_json', err.reason, { topic, partition, offset: m.offset });
          return deadLetter(topic, partition, m, err.reason);
        }
        for (const h of d.handlers.for(topic)) {
          const failure = await runHandler(h.name, h.handler, rec);
          if (failure !== undefined) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: failure });
            // The remaining handlers still run: one bad consumer of a topic does not starve the others.
            await deadLetter(topic, partition, m, failure, h.name);
          }
        }
      });
    } finally {
      span.end();
    }
    // Record → delivery: the handlers have delivered (or dead-lettered) it by now.
    const ts = Number(m.timestamp);
    if (d.recordLatency !== undefined && ts > 0) d.recordLatency(topic, Math.max(0, Date.now() - ts));
  }

  return { process, stats };
}
