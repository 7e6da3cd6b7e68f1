/**
 * @actorwire/plugin-rooms — the room protocol of docs/protocol.md (canonical protocol, with the realtime-service and gateway dialects
 * as aliases): subscribe/unsubscribe/publish/broadcast, limits, authorization policies
 * (claims or BACKEND_URL), user channels, presence, the notify API (HTTP and `notifier`
 * in the container) and GET /admin/clients. See README.md.
 */
import { definePlugin, packageInfo, type Session } from '@actorwire/core';
import { adminRoute } from './admin-route.js';
import { broadcastMessage } from './messages/broadcast.js';
import { presenceMessage } from './messages/presence.js';
import { publishMessage } from './messages/publish.js';
import { subscribeMessage } from './messages/subscribe.js';
import { unsubscribeMessage } from './messages/unsubscribe.js';
import { createNotifier, type Notifier } from './notifier.js';
import { notifyRoute } from './notify-route.js';
import { optionsFromEnv, optionsSchema, type RoomsOptions } from './options.js';
import { registerPolicies } from './policies/index.js';
import { PresenceEvents } from './presence-events.js';
import { Rooms } from './runtime.js';

export type { RoomsOptions, PublishAccess, BroadcastAccess } from './options.js';
export type { Notifier, NotifyResult } from './notifier.js';
export { POLICY } from './policies/index.js';
export { RoomNames, DEFAULT_PATTERN } from './room-name.js';

/** Who may read a room, as `subscribe` decides it (name rules, user channels, policies). */
export interface RoomAccess {
  /** The topic `room` stands for, once `session` may read it; throws the error `subscribe` would answer. */
  readable(session: Session, room: unknown): Promise<string>;
}

declare module '@actorwire/core' {
  interface ActorwireServices {
    /** Push notifications to users, rooms or everyone (provided by @actorwire/plugin-rooms). */
    notifier: Notifier;
    /** The room read authorization `subscribe` uses, for other readers of rooms (history). */
    roomAccess: RoomAccess;
  }
}

export default definePlugin<RoomsOptions>({
  name: 'rooms',
  version: packageInfo(import.meta.url).version,
  kernel: '^0.2.0',
  provides: ['notifier', 'roomAccess'],
  // The authenticator guards the HTTP APIs when an auth plugin is loaded; presence may be a cluster one.
  // history: rooms it keeps recover what a reconnecting client missed (subscribe `since`).
  uses: ['authenticator', 'presence', 'history'],
  options: optionsSchema,
  optionsFromEnv,
  register(ctx, options) {
    const r = new Rooms(ctx, options);
    const { mode } = registerPolicies(r);
    const presenceEvents = new PresenceEvents(r);

    ctx.messages.define('subscribe', subscribeMessage(r, presenceEvents));
    ctx.messages.define('unsubscribe', unsubscribeMessage(r));
    ctx.messages.define('publish', publishMessage(r));
    ctx.messages.define('broadcast', broadcastMessage(r));
    ctx.messages.define('presence', presenceMessage(r));

    ctx.services.provide('notifier', createNotifier(r));
    ctx.services.provide('roomAccess', {
      async readable(session, room) {
        const topic = r.topicOf(room);
        await r.authorizeRead(session, topic);
        return topic;
      },
    });

    if (options.notifyApi) ctx.routes.http('post', '/api/notify', notifyRoute(r));
    if (options.adminApi) ctx.routes.http('get', '/admin/clients', adminRoute(r));

    ctx.health('rooms', () => {
      let rooms = 0;
      let members = 0;
      for (const [topic, n] of ctx.topics.localTopics()) {
        if (!r.isRoom(topic)) continue;
        rooms++;
        members += n;
      }
      return { status: 'up', rooms, members, policy: mode };
    });

    ctx.hooks.on('onReady', () => {
      ctx.logger.info(
        { policy: mode, backend: options.backendUrl, maxConnectionsPerRoom: options.maxConnectionsPerRoom, presenceEvents: options.presenceEvents },
        'rooms ready',
      );
      if (!r.authOn() && (options.notifyApi || options.adminApi)) {
        ctx.logger.warn('no authenticator registered (open mode): POST /api/notify and GET /admin/clients answer unauthenticated requests');
      }
    });
  },
});
