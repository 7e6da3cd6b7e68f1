/**
 * The configuration-driven route (the entity dialect's WS_ENTITY_TOPICS): a record on an entity topic
 * becomes a `notification` frame for a room and/or a user, no code needed.
 *   room:  header `ws-room`, else KAFKA_ROOM_TEMPLATE (e.g. `order-{value.order_id}`)
 *   user:  header `ws-user`, else KAFKA_USER_TEMPLATE (e.g. `{value.user_id}`)
 *   event: header `ws-event`, else the value's string `event` field, else `<entity>.<topic>`
 *   data:  the value's `data` field when the value is an object that has one, else the value
 * A record with neither a room nor a user cannot be delivered: it goes to the dead-letter topic,
 * unless another handler consumes the topic too (e.g. the snapshots plugin's refresh): then the
 * record is that handler's, and this route has nothing to do.
 */
import type { KafkaHandler } from './handlers.js';
import { PoisonRecord } from './record.js';
import { render } from './template.js';

export function defaultRoute(
  entityOf: Map<string, string>,
  roomTemplate: string | undefined,
  userTemplate: string | undefined,
  handlersOf: (topic: string) => number,
): KafkaHandler {
  return async (rec, { notifier }) => {
    if (!notifier) throw new PoisonRecord('no notifier in the container: load the rooms plugin to deliver entity topics');
    const room = rec.headers['ws-room'] || (roomTemplate ? render(roomTemplate, rec) : undefined);
    const user = rec.headers['ws-user'] || (userTemplate ? render(userTemplate, rec) : undefined);
    if (!room && !user) {
      if (handlersOf(rec.topic) > 1) return;
      throw new PoisonRecord('no route: the record has no ws-room/ws-user header and the templates do not resolve');
    }
    const v = rec.value as Record<string, unknown> | null;
    const isObject = v !== null && typeof v === 'object' && !Array.isArray(v);
    const event = rec.headers['ws-event'] || (isObject && typeof v.event === 'string' && v.event) || `${entityOf.get(rec.topic)}.${rec.topic}`;
    const data = isObject && 'data' in v ? v.data : rec.value;
    if (room) await notifier.toRoom(room, event, data);
    if (user) await notifier.toUser(user, event, data);
  };
}
