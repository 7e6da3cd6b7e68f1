/**
 * The producer path: client messages to a Kafka topic, with the user id and the trace context
 * in headers. Room publishes (`publish`, after authorization and the membership check) are
 * taken from the `onPublish` hook; other message types from `onMessage`. The send (acks=all) is
 * not awaited by the hook: a slow or stalled broker must not hold up, or time out, the client's
 * message. What waits for the broker is bounded (`forwardMaxPending` sends and
 * `forwardMaxPendingBytes`); beyond, forwards are dropped and counted, failures are counted, and
 * both are logged at most once per 10 s per kind (with a count).
 */
import { SpanKind, SpanStatusCode, context as otelContext, propagation, trace } from '@opentelemetry/api';
import { LogLimiter, compilePattern, type Frame, type InboundMessage, type PluginContext, type Session } from '@actorwire/core';
import type { Producer } from 'kafkajs';
import type { KafkaOptions } from './options.js';

export interface ForwardStats {
  forwarded: number;
  failed: number;
  /** Dropped because too much already waited for the broker. */
  dropped: number;
  /** Sends awaiting the broker now, and their bytes. */
  pending: number;
  pendingBytes: number;
  /** When a forward was last dropped or failed (health reads it). */
  lastTroubleAt: number;
}

export function installForwarder(ctx: PluginContext, o: KafkaOptions, producer: () => Producer | undefined): ForwardStats {
  const stats: ForwardStats = { forwarded: 0, failed: 0, dropped: 0, pending: 0, pendingBytes: 0, lastTroubleAt: 0 };
  const limited = new LogLimiter(ctx.logger);
  const topic = o.forwardTopic;
  if (!topic) return stats;
  const rooms = o.forwardRooms.map((p) => compilePattern(p).regex);
  const roomAllowed = (room: unknown) => rooms.length === 0 || (typeof room === 'string' && rooms.some((re) => re.test(room)));

  function send(session: Session, type: string, room: string | undefined, body: Record<string, unknown>): void {
    const p = producer();
    const value = JSON.stringify(body);
    if (stats.pending >= o.forwardMaxPending || stats.pendingBytes + value.length > o.forwardMaxPendingBytes) {
      stats.dropped++;
      stats.lastTroubleAt = Date.now();
      limited.warn('dropped', { topic, pending: stats.pending, pendingBytes: stats.pendingBytes }, 'Kafka is not keeping up: client messages are not forwarded');
      return;
    }
    const headers: Record<string, string> = { 'ws-type': type, 'ws-client-id': session.id };
    if (session.userId !== undefined) headers['ws-user-id'] = session.userId;
    if (room !== undefined) headers['ws-room'] = room;
    // Inside a sampled trace the record gets a producer span, and its headers that span's context:
    // consumers of the topic continue the trace from it.
    const active = otelContext.active();
    const span = trace.getSpan(active)?.isRecording()
      ? ctx.tracer.startSpan(`send ${topic}`, {
          kind: SpanKind.PRODUCER,
          attributes: { 'messaging.system': 'kafka', 'messaging.operation.type': 'send', 'messaging.operation.name': 'send', 'messaging.destination.name': topic!, 'actorwire.message.type': type },
        }, active)
      : undefined;
    propagation.inject(span === undefined ? active : trace.setSpan(active, span), headers);
    const failed = (err: unknown) => {
      if (span !== undefined) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
        span.end();
      }
      stats.failed++;
      stats.lastTroubleAt = Date.now();
      limited.warn('failed', { topic, type, room, err: (err as Error)?.message }, 'forwarding a client message to Kafka failed');
    };
    if (!p) return failed(new Error('producer not connected'));
    const bytes = value.length;
    stats.pending++;
    stats.pendingBytes += bytes;
    p.send({ topic: topic!, acks: -1, messages: [{ key: room ?? session.userId ?? session.id, value, headers }] }).then(
      () => { stats.pending--; stats.pendingBytes -= bytes; stats.forwarded++; span?.end(); },
      (err: unknown) => { stats.pending--; stats.pendingBytes -= bytes; failed(err); },
    );
  }

  if (o.forwardTypes.includes('publish')) {
    ctx.hooks.on('onPublish', (session: Session | null, room: string, frame: Frame) => {
      if (!session || frame.type !== 'message' || !roomAllowed(room)) return;
      send(session, 'publish', room, { type: 'publish', room, data: frame.data ?? null, user_id: session.userId ?? null, client_id: session.id, message_id: frame.message_id, timestamp: frame.timestamp ?? Date.now() });
    });
  }
  const others = new Set(o.forwardTypes.filter((t) => t !== 'publish'));
  if (others.size > 0) {
    ctx.hooks.on('onMessage', (session: Session, message: InboundMessage) => {
      if (!others.has(message.type) || !roomAllowed(message.room ?? '')) return;
      send(session, message.type, message.room, { ...message, user_id: session.userId ?? null, client_id: session.id, timestamp: Date.now() });
    }, { types: [...others] });
  }
  return stats;
}
