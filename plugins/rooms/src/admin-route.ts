/**
 * GET /admin/clients (the realtime service): `{"clients":N,"rooms":{"<room>":count,…}}` — connections and
 * members per room, cluster-wide through `presence`. User channels and system topics are
 * not rooms and are left out. Admin token required (open mode: anyone).
 */
import type { HttpHandler } from '@actorwire/core';
import { authenticateHttp } from './http-auth.js';
import type { Rooms } from './runtime.js';

export function adminRoute(r: Rooms): HttpHandler {
  return async (req, res) => {
    await authenticateHttp(r, req, r.opts.adminRoles);
    const presence = r.presence();
    const [clients, topics] = await Promise.all([presence.connections(), presence.topics()]);
    // Room names come from clients (`constructor`, `__proto__`): no prototype to collide with.
    const rooms: Record<string, number> = Object.create(null);
    for (const name of Object.keys(topics).sort()) if (r.isRoom(name) && Object.hasOwn(topics, name)) rooms[name] = topics[name]!;
    res.json({ clients, rooms });
  };
}
