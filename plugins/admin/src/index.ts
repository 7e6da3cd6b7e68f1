/**
 * @actorwire/plugin-admin — the live admin page: `GET /admin` (the page), `/admin/app.js`,
 * `/admin/snapshot` and `/admin/stream` (a snapshot a second as server-sent events) behind an
 * operator token. Connections, the busiest rooms, rates, errors by code and every health
 * component, read from the kernel's `stats` service. Without a token it mounts nothing.
 */
import { timingSafeEqual } from 'node:crypto';
import { definePlugin, packageInfo } from '@actorwire/core';
import { envInt, envString } from '@actorwire/config';
import { AdminFeed, type BearerCheck } from './feed.js';

export { AdminFeed } from './feed.js';
export { AdminSampler, topEntries, type AdminSnapshot, type AdminSources } from './snapshot.js';

export interface AdminOptions {
  /** The operator token (16+ characters) the data routes want as `Authorization: Bearer`. Absent: nothing is mounted. Env ACTORWIRE_ADMIN_TOKEN. */
  token?: string;
  /** Rooms listed, the busiest first. Env ACTORWIRE_ADMIN_TOP_ROOMS. */
  topRooms: number;
}

const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    token: { type: 'string', minLength: 16 },
    topRooms: { type: 'integer', minimum: 1, maximum: 1000, default: 20 },
  },
} as const;

/** `Authorization: Bearer <token>`, compared in constant time. */
function bearerCheck(token: string): BearerCheck {
  const expected = Buffer.from(`Bearer ${token}`);
  return (authorization) => {
    const given = Buffer.from(authorization ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}

export default definePlugin<AdminOptions>({
  name: 'admin',
  version: packageInfo(import.meta.url).version,
  kernel: '^0.2.0',
  options: optionsSchema,
  optionsFromEnv: (env) => ({ token: envString(env, 'ACTORWIRE_ADMIN_TOKEN'), topRooms: envInt(env, 'ACTORWIRE_ADMIN_TOP_ROOMS', { min: 1, max: 1000 }) }),
  register(ctx, o) {
    if (o.token === undefined) return;
    const prefix = ctx.config.userTopicPrefix;
    const topics = ctx.topics;
    const feed = new AdminFeed({
      authorized: bearerCheck(o.token),
      logger: ctx.logger,
      sources: {
        stats: ctx.services.get('stats'),
        topics: () => topics.localTopics(),
        isRoom: (topic) => !topic.startsWith('$') && !topic.startsWith(prefix),
        topRooms: o.topRooms,
      },
    });
    for (const r of feed.routes()) ctx.routes.http('get', r.path, r.handler);
    ctx.hooks.on('onClose', () => feed.stop());
  },
});
