/**
 * What every module of the plugin shares: the plugin context, the options, the room-name
 * rules, and lookups that must happen at call time (presence and the authenticator can be
 * registered or replaced by plugins that register after this one).
 */
import { randomUUID } from 'node:crypto';
import { hasAnyRole, type Authenticator, type HttpHandler, type Identity, type PluginContext, type Presence, type Session } from '@actorwire/core';

/** Moved to core; still importable from here. */
export { hasAnyRole };
import type { RoomsOptions } from './options.js';
import { RoomNames } from './room-name.js';

/** The HTTP request type route handlers receive (hyper-express), without depending on it. */
export type HttpRequest = Parameters<HttpHandler>[0];
export type HttpResponse = Parameters<HttpHandler>[1];

export class Rooms {
  readonly names: RoomNames;
  readonly userPrefix: string;
  private readonly admins: ReadonlySet<string>;

  constructor(readonly ctx: PluginContext, readonly opts: RoomsOptions) {
    this.names = new RoomNames(opts);
    this.userPrefix = ctx.config.userTopicPrefix;
    this.admins = new Set(opts.adminRoles);
  }

  /** The presence service, resolved at call time (a cluster plugin may replace it). */
  presence(): Presence {
    return this.ctx.services.get('presence');
  }

  authenticator(): Authenticator | undefined {
    return this.ctx.services.find('authenticator');
  }

  /** True when an auth plugin provides the authenticator (otherwise the server runs in open mode). */
  authOn(): boolean {
    return this.ctx.services.has('authenticator');
  }

  isAdmin(identity: Identity | undefined): boolean {
    return identity !== undefined && hasAnyRole(identity, this.admins);
  }

  /**
   * The topic a client-facing room name stands for: the gateway dialect's `notifications:<id>` (and the
   * other configured aliases) is the user channel `user:<id>`; every other name is itself.
   */
  topicFor(room: string): string {
    for (const prefix of this.opts.userChannelAliases) {
      if (room.startsWith(prefix) && room.length > prefix.length) return this.userPrefix + room.slice(prefix.length);
    }
    return room;
  }

  /** The user id of a user-channel topic, or undefined. */
  userOfTopic(topic: string): string | undefined {
    return topic.startsWith(this.userPrefix) && topic.length > this.userPrefix.length ? topic.slice(this.userPrefix.length) : undefined;
  }

  /** True for the session's own user channel, which the kernel joined at authentication. */
  isOwnUserChannel(session: Session, topic: string): boolean {
    return session.userId !== undefined && topic === this.ctx.sessions.userTopic(session.userId);
  }

  /** The topic a client's room name stands for, after the name rules (INVALID_ROOM / ROOM_REQUIRED). */
  topicOf(room: unknown): string {
    return this.topicFor(this.names.check(room));
  }

  /**
   * The one authorization of reading a topic — a subscribe, a history page (the `roomAccess`
   * service): the session's own user channel always; anything else as its policies say.
   */
  async authorizeRead(session: Session, topic: string): Promise<void> {
    if (this.isOwnUserChannel(session, topic)) return;
    await this.ctx.topics.authorize(session, topic, 'subscribe');
  }

  /** Topics that are not rooms: user channels and kernel system topics (`$…`). */
  isRoom(topic: string): boolean {
    return !topic.startsWith('$') && this.userOfTopic(topic) === undefined;
  }
}


/** A unique message id (random UUID; cheap: Node batches its entropy). */
export function messageId(): string {
  return randomUUID();
}
