/**
 * The programmatic notification API, registered in the container as `notifier` so other
 * plugins (kafka handlers, REST hooks, …) can push without HTTP:
 *
 *   const notifier = ctx.services.get('notifier');
 *   await notifier.toUser('42', 'order_created', { id: 7 });
 *   await notifier.toRoom('order-7', 'order_updated', { status: 'shipped' });
 *   await notifier.broadcast('maintenance', { in: '5m' });
 *
 * Each sends `{type:'notification', event, data, message_id, timestamp}` (`room` too when sent
 * to a room). The Go module guide's own pushes have their own shapes:
 *
 *   await notifier.notifyAllClients('maintenance', { in: '5m' });   // {type:'notification', data:{event, data}}
 *   await notifier.notifyRoom('updates', { version: 2 });            // {type:'room_update', room, data}
 *
 * Every method resolves to
 * `{ message_id, delivered }` (`delivered` is false only when an onPublish hook vetoed).
 * Delivery reaches every instance once a cluster transport (redis-pubsub) is loaded.
 */
import { protocolError } from '@actorwire/core';
import { moduleNotificationFrame, notificationFrame, roomUpdateFrame } from './frames.js';
import type { Rooms } from './runtime.js';

export interface NotifyResult {
  message_id: string;
  delivered: boolean;
}

export interface Notifier {
  /** Every connection of a user (its `user:{id}` channel). */
  toUser(userId: string, event: string, data?: unknown): Promise<NotifyResult>;
  /** Every subscriber of a room. The room name must follow the room name rules. */
  toRoom(room: string, event: string, data?: unknown): Promise<NotifyResult>;
  /** Every connection. */
  broadcast(event: string, data?: unknown): Promise<NotifyResult>;
  /** Every connection, in the Go module guide's shape: `{type:'notification', data:{event, data}}`. */
  notifyAllClients(event: string, data?: unknown): Promise<NotifyResult>;
  /** Every subscriber of a room, in the guide's shape: `{type:'room_update', room, data}`. */
  notifyRoom(room: string, data?: unknown): Promise<NotifyResult>;
}

export function createNotifier(r: Rooms): Notifier {
  const { ctx } = r;
  const checkEvent = (event: unknown): string => {
    if (typeof event !== 'string' || event === '') throw protocolError('INVALID_MESSAGE', 'event must be a non-empty string');
    return event;
  };
  return {
    async toUser(userId, event, data) {
      if ((typeof userId !== 'string' && typeof userId !== 'number') || String(userId) === '') {
        throw protocolError('INVALID_MESSAGE', 'user_id must be a non-empty string');
      }
      const frame = notificationFrame(checkEvent(event), data);
      const delivered = await ctx.sessions.sendToUser(String(userId), frame);
      return { message_id: frame.message_id as string, delivered };
    },
    async toRoom(room, event, data) {
      const topic = r.topicFor(r.names.check(room));
      const frame = notificationFrame(checkEvent(event), data);
      frame.room = room;
      const delivered = await ctx.topics.publish(null, topic, frame);
      return { message_id: frame.message_id as string, delivered };
    },
    async broadcast(event, data) {
      const frame = notificationFrame(checkEvent(event), data);
      const delivered = await ctx.topics.publish(null, ctx.bus.broadcastTopic, frame);
      return { message_id: frame.message_id as string, delivered };
    },
    async notifyAllClients(event, data) {
      const frame = moduleNotificationFrame(checkEvent(event), data);
      const delivered = await ctx.topics.publish(null, ctx.bus.broadcastTopic, frame);
      return { message_id: frame.message_id as string, delivered };
    },
    async notifyRoom(room, data) {
      const topic = r.topicFor(r.names.check(room));
      const frame = roomUpdateFrame(room, data);
      const delivered = await ctx.topics.publish(null, topic, frame);
      return { message_id: frame.message_id as string, delivered };
    },
  };
}
