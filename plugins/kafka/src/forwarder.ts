/**
 * The producer path: client messages to a Kafka topic, with the user id and the trace context
 * in headers. Room publishes (`publish`, after authorization and the membership check) are
 * taken from the `onPublish` hook; other message types from `onMessage`. The send is awaited
 * (acks=all): a failure is logged and counted, the client's message still proceeds.
 */
import { context as otelContext, propagation } from '@opentelemetry/api';
import { compilePattern, type Frame, type InboundMessage, type PluginContext, type Session } from '@actorwire/core';
import type { Producer } from 'kafkajs';
import type { KafkaOptions } from './options.js';

export interface ForwardStats {
  forwarded: number;
  failed: number;
}

export function installForwarder(ctx: PluginContext, o: KafkaOptions, producer: () => Producer | undefined): ForwardStats {
  const stats: ForwardStats = { forwarded: 0, failed: 0 };
  const topic = o.forwardTopic;
  if (!topic) return stats;
  const rooms = o.forwardRooms.map((p) => compilePattern(p).regex);
  const roomAllowed = (room: unknown) => rooms.length === 0 || (typeof room === 'string' && rooms.some((re) => re.test(room)));

  async function send(session: Session, type: string, room: string | undefined, body: Record<string, unknown>): Promise<void> {
    const p = producer();
    const headers: Record<string, string> = { 'ws-type': type, 'ws-client-id': session.id };
    if (session.userId !== undefined) headers['ws-user-id'] = session.userId;
    if (room !== undefined) headers['ws-room'] = room;
    propagation.inject(otelContext.active(), headers);
    try {
      if (!p) throw new Error('producer not connected');
      await p.send({ topic: topic!, acks: -1, messages: [{ key: room ?? session.userId ?? session.id, value: JSON.stringify(body), headers }] });
      stats.forwarded++;
    } catch (err) {
      stats.failed++;
      ctx.logger.error({ topic, type, room, err: (err as Error).message }, 'forwarding a client message to Kafka failed');
    }
  }

  if (o.forwardTypes.includes('publish')) {
    ctx.hooks.on('onPublish', async (session: Session | null, room: string, frame: Frame) => {
      if (!session || frame.type !== 'message' || !roomAllowed(room)) return;
      await send(session, 'publish', room, { type: 'publish', room, data: frame.data ?? null, user_id: session.userId ?? null, client_id: session.id, message_id: frame.message_id, timestamp: frame.timestamp ?? Date.now() });
    });
  }
  const others = new Set(o.forwardTypes.filter((t) => t !== 'publish'));
  if (others.size > 0) {
    ctx.hooks.on('onMessage', async (session: Session, message: InboundMessage) => {
      if (!others.has(message.type) || !roomAllowed(message.room ?? '')) return;
      await send(session, message.type, message.room, { ...message, user_id: session.userId ?? null, client_id: session.id, timestamp: Date.now() });
    });
  }
  return stats;
}
