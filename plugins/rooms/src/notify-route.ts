/**
 * POST /api/notify (the realtime service): `{"event":E,"data":D,"user_id":U}` and/or `"room":R` (and/or
 * `"broadcast":true`) → a `notification` frame to that user's connections / that room /
 * everyone. The realtime service's `"to"` is accepted too: `"to":"broadcast"` is everyone, any
 * other `"to":X` is both the user X and the room X (its callers put either there). Token of a
 * `notifyRoles` role required (admin or service by default).
 *
 * `"format":"module"`: the Go module guide's shapes instead — `notification` with `data: {event,
 * data}` (its NotifyAllClients), and for a room `{"type":"room_update","room":R,"data":D}` (its
 * NotifyRoom; `event` may be absent then).
 *
 *   202 {"delivered":true,"message_id":"…"}     accepted and handed to the bus
 *   400 {"error":"…","code":"INVALID_JSON"|"INVALID_MESSAGE"|"ROOM_REQUIRED"}
 *   401 / 403                                   from the authenticator
 *   413 {"error":"request body too large (limit N bytes)","code":"TOO_LARGE"}
 */
import { ActorwireError, protocolError, readJsonBody, type HttpHandler } from '@actorwire/core';
import { moduleNotificationFrame, notificationFrame, roomUpdateFrame } from './frames.js';
import { authenticateHttp } from './http-auth.js';
import type { Rooms } from './runtime.js';

export function notifyRoute(r: Rooms): HttpHandler {
  const { ctx, opts } = r;
  const limit = Math.min(opts.notifyMaxBodySize, ctx.config.maxHttpBodySize);
  const tooLarge = () => new ActorwireError('TOO_LARGE', `request body too large (limit ${limit} bytes)`, { status: 413 });

  return async (req, res) => {
    const identity = await authenticateHttp(r, req, opts.notifyRoles);
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) throw tooLarge();
    // Chunked bodies declare no length: measure what arrived (hyper-express caches it).
    if ((await req.buffer()).length > limit) throw tooLarge();
    const body = await readJsonBody(req);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw protocolError('INVALID_MESSAGE', 'body must be a JSON object');
    }
    const b = body as Record<string, unknown>;
    if (b.format !== undefined && b.format !== 'module') throw protocolError('INVALID_MESSAGE', '"format" is "module" or absent');
    const module = b.format === 'module';
    // The guide's room_update has no event: a module-format push to a room alone needs none.
    const roomUpdateOnly = module && present(b.room) && !present(b.user_id) && !present(b.to) && b.broadcast !== true;
    if (!roomUpdateOnly && (typeof b.event !== 'string' || b.event === '')) throw protocolError('INVALID_MESSAGE', '"event" is required (a non-empty string)');

    let userId = present(b.user_id) ? b.user_id : undefined;
    let room = present(b.room) ? b.room : undefined;
    let everyone = b.broadcast === true;
    if (present(b.to)) {
      if (typeof b.to !== 'string') throw protocolError('INVALID_MESSAGE', '"to" must be a string: a user id, a room, or "broadcast"');
      if (b.to === 'broadcast') everyone = true;
      else {
        userId ??= b.to;
        // Only a valid room name can be the room reading of "to"; a user id need not be one.
        if (room === undefined && r.names.problem(b.to) === undefined) room = b.to;
      }
    }
    if (userId === undefined && room === undefined && !everyone) {
      throw protocolError('INVALID_MESSAGE', 'a target is required: "user_id", "room", "to" or "broadcast"');
    }
    if (userId !== undefined && typeof userId !== 'string' && typeof userId !== 'number') {
      throw protocolError('INVALID_MESSAGE', '"user_id" must be a string');
    }
    const topic = room === undefined ? undefined : r.topicFor(r.names.check(room));

    // One frame (one message_id) for every target.
    const frame = roomUpdateOnly ? roomUpdateFrame(room as string, b.data) : module ? moduleNotificationFrame(b.event as string, b.data) : notificationFrame(b.event as string, b.data);
    let delivered = true;
    if (userId !== undefined) delivered = await ctx.sessions.sendToUser(String(userId), frame);
    // Sent to a room, it names the room (clients keep their history position per room).
    if (topic !== undefined) delivered = (await ctx.topics.publish(null, topic, roomUpdateOnly ? frame : { ...frame, room })) && delivered;
    if (everyone) delivered = (await ctx.topics.publish(null, ctx.bus.broadcastTopic, frame)) && delivered;
    ctx.logger.debug(
      { event: b.event, user_id: userId, room, broadcast: everyone || undefined, by: identity?.userId ?? null, message_id: frame.message_id },
      'notification sent',
    );
    res.status(202).json({ delivered, message_id: frame.message_id });
  };
}

function present(v: unknown): boolean {
  return v !== undefined && v !== null && v !== '';
}
