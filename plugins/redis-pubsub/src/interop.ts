/**
 * Interop mode (`REDIS_INTEROP=true`): channels and payloads as the Go services used them, so an
 * external service — or a Go instance during a migration — can publish plain JSON and Actorwire
 * sessions receive it, and the reverse.
 *
 *   room R          ↔ {prefix}room:R (the realtime service) and events:R (the API gateway's event channels)
 *   user topic of U ↔ notifications:U
 *   broadcast       ↔ system:broadcast
 *
 * Out: the frame exactly as Actorwire clients receive it, as plain JSON (no header), on the
 * room's `{prefix}room:` channel, the user's `notifications:` channel, or `system:broadcast`.
 * In: an Actorwire frame (`type`, `message_id`, numeric `timestamp`) is delivered as it is;
 * anything else becomes one: on a room channel a realtime-service envelope `{from, room, ts,
 * body}` is a `message` from `from` with `body` as data, other JSON (or text) is the `data` of a
 * `message`; on a user channel `{event, data}` or any JSON is a `notification`; on the
 * broadcast channel it is the `data` of a `message` without a room.
 *
 * Mixed fleets (Go and Actorwire instances on one Redis): a room's `message` frames can go out as
 * the realtime service's envelope on the room channel (`roomFormat: 'envelope'`) and also as the
 * gateway's `event` frame on `events:<room>` (`events`); the gateway's own frames (`type`,
 * `message_id`, an RFC 3339 `timestamp`) on any channel become the frame they are.
 *
 * Plain JSON has no origin id, so an instance would get its own publishes back: it remembers
 * what it published (the frame's `message_id`, else the payload) for 10–20 s and drops one
 * matching arrival per publish. A message that reaches an instance on both of a room's channels
 * (from an instance publishing to both) is delivered once.
 */
import { randomUUID } from 'node:crypto';

export type ChannelKind = 'room' | 'events' | 'user' | 'broadcast';

/** How a room's `message` frames go out (`RedisPubSubOptions.interopRoomFormat` / `interopEvents`). */
export interface InteropOut {
  roomFormat: 'frame' | 'envelope';
  events: boolean;
}

export interface InteropNames {
  /** `{prefix}room:` */
  roomPrefix: string;
  eventsPrefix: string;
  userPrefix: string;
  broadcastChannel: string;
}

export class InteropChannels {
  constructor(
    readonly names: InteropNames,
    private readonly broadcastTopic: string,
    private readonly userTopicPrefix: string,
    private readonly out: InteropOut = { roomFormat: 'frame', events: false },
  ) {}

  /**
   * What a local publish to `topic` sends: `[channel, payload]` pairs. A room's `message` frame
   * becomes the realtime service's envelope and/or also the gateway's event frame, as configured
   * (parsed once per publish, not per receiver); everything else is the frame as it is.
   */
  outbound(topic: string, payload: string): Array<[string, string]> {
    const channel = this.publishChannel(topic);
    const roomMessage = (this.out.roomFormat === 'envelope' || this.out.events) && channel.startsWith(this.names.roomPrefix) && payload.startsWith('{"type":"message"');
    if (!roomMessage) return [[channel, payload]];
    const f = JSON.parse(payload) as { room?: unknown; data?: unknown; user_id?: unknown; client_id?: unknown; message_id?: unknown; timestamp?: unknown };
    const ts = new Date(typeof f.timestamp === 'number' ? f.timestamp : Date.now()).toISOString();
    const sends: Array<[string, string]> = [];
    if (this.out.roomFormat === 'envelope') {
      const from = typeof f.user_id === 'string' ? f.user_id : typeof f.client_id === 'string' ? f.client_id : '';
      sends.push([channel, JSON.stringify({ from, room: topic, ts, body: f.data ?? null, meta: { message_id: f.message_id } })]);
    } else sends.push([channel, payload]);
    if (this.out.events) sends.push([this.names.eventsPrefix + topic, JSON.stringify({ type: 'event', channel: topic, data: f.data ?? null, timestamp: ts, message_id: f.message_id })]);
    return sends;
  }

  /**
   * A server topic (`$…`, not the broadcast): the server's own traffic (snapshot views, notices
   * between instances), which Go services neither send nor read. It travels in Actorwire's own
   * envelope on `{prefix}room:<topic>`, even in interop mode.
   */
  isServerTopic(topic: string): boolean {
    return topic.charCodeAt(0) === 36 /* $ */ && topic !== this.broadcastTopic;
  }

  /** Where a local publish to `topic` goes. */
  publishChannel(topic: string): string {
    if (topic === this.broadcastTopic) return this.names.broadcastChannel;
    if (topic.startsWith(this.userTopicPrefix)) return this.names.userPrefix + topic.slice(this.userTopicPrefix.length);
    return this.names.roomPrefix + topic;
  }

  /** What to subscribe to for `topic`. */
  subscribeChannels(topic: string): string[] {
    if (topic === this.broadcastTopic || topic.startsWith(this.userTopicPrefix) || this.isServerTopic(topic)) return [this.publishChannel(topic)];
    return [this.names.roomPrefix + topic, this.names.eventsPrefix + topic];
  }

  topicOf(channel: string): { topic: string; kind: ChannelKind } | undefined {
    const n = this.names;
    if (channel === n.broadcastChannel) return { topic: this.broadcastTopic, kind: 'broadcast' };
    if (channel.startsWith(n.roomPrefix)) return { topic: channel.slice(n.roomPrefix.length), kind: 'room' };
    if (channel.startsWith(n.eventsPrefix)) return { topic: channel.slice(n.eventsPrefix.length), kind: 'events' };
    if (channel.startsWith(n.userPrefix)) return { topic: this.userTopicPrefix + channel.slice(n.userPrefix.length), kind: 'user' };
    return undefined;
  }

  patterns(): string[] {
    const n = this.names;
    return [`${n.roomPrefix}*`, `${n.eventsPrefix}*`, `${n.userPrefix}*`, n.broadcastChannel];
  }
}

const MESSAGE_ID = '"message_id":"';

/** What identifies a payload we published: its frame's message id, else the payload itself. */
export function publishKey(channel: string, payload: string): string {
  const i = payload.indexOf(MESSAGE_ID);
  if (i >= 0) {
    const end = payload.indexOf('"', i + MESSAGE_ID.length);
    if (end > i) return `${channel}\n${payload.slice(i + MESSAGE_ID.length, end)}`;
  }
  return `${channel}\n${payload}`;
}

/** Own publishes of the last 10–20 s (two generations swapped every 10 s): each absorbs one echo. */
export class RecentPublishes {
  private current = new Map<string, number>();
  private previous = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(windowMs = 10_000) {
    this.timer = setInterval(() => {
      this.previous = this.current;
      this.current = new Map();
    }, windowMs);
    this.timer.unref();
  }

  add(key: string): void {
    this.current.set(key, (this.current.get(key) ?? 0) + 1);
  }

  /** True (and forgotten once) when `key` is one of ours. */
  take(key: string): boolean {
    for (const gen of [this.current, this.previous]) {
      const n = gen.get(key);
      if (n === undefined) continue;
      if (n <= 1) gen.delete(key);
      else gen.set(key, n - 1);
      return true;
    }
    return false;
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isActorwireFrame(v: unknown): boolean {
  return isObject(v) && typeof v.type === 'string' && typeof v.message_id === 'string' && typeof v.timestamp === 'number';
}

/** The API gateway's own frame: a type, a message id and an RFC 3339 timestamp. */
function isGatewayFrame(v: unknown): v is Record<string, unknown> & { type: string; message_id: string; timestamp: string } {
  return isObject(v) && typeof v.type === 'string' && typeof v.message_id === 'string' && typeof v.timestamp === 'string';
}

/** A gateway frame as the Actorwire frame it stands for on a channel of `kind`. */
function fromGateway(kind: ChannelKind, topic: string, userId: string | undefined, v: Record<string, unknown> & { type: string; message_id: string; timestamp: string }): string {
  const parsed = Date.parse(v.timestamp);
  const timestamp = Number.isFinite(parsed) ? parsed : Date.now();
  if ((kind === 'events' || kind === 'room') && v.type === 'event') {
    return JSON.stringify({ type: 'message', room: topic, data: v.data ?? null, message_id: v.message_id, timestamp });
  }
  if (kind === 'user' && v.type === 'notification') {
    return JSON.stringify({
      type: 'notification', event: typeof v.event === 'string' && v.event !== '' ? v.event : 'notification', data: v.data ?? null,
      ...(userId !== undefined ? { user_id: userId } : {}), message_id: v.message_id, timestamp,
    });
  }
  return JSON.stringify({ ...v, ...(kind === 'room' || kind === 'events' ? { room: topic } : {}), timestamp });
}

function isEnvelope(v: unknown): v is { from?: unknown; room?: unknown; ts?: unknown; body: unknown; meta?: unknown } {
  return isObject(v) && 'body' in v && ('from' in v || 'ts' in v || 'room' in v);
}

/**
 * The Actorwire frame (JSON text) a plain payload on an interop channel stands for. `raw` has
 * passed the input guard's size and depth checks (so nothing below can recurse too deep); text
 * that is not JSON is the data of the frame.
 */
export function frameFromInterop(kind: ChannelKind, topic: string, userId: string | undefined, raw: string): string {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    v = raw; // text: the data of the frame
  }
  if (isActorwireFrame(v)) return raw;
  if (isGatewayFrame(v)) return fromGateway(kind, topic, userId, v);
  const now = Date.now();
  const id = randomUUID();
  if (kind === 'room' || kind === 'events') {
    if (isEnvelope(v)) {
      const meta = isObject(v.meta) ? v.meta : {};
      const ts = typeof v.ts === 'string' ? Date.parse(v.ts) : NaN;
      return JSON.stringify({
        type: 'message', room: topic, data: v.body ?? null,
        ...(typeof v.from === 'string' && v.from !== '' ? { user_id: v.from } : {}),
        message_id: typeof meta.message_id === 'string' ? meta.message_id : id,
        timestamp: Number.isFinite(ts) ? ts : now,
      });
    }
    return JSON.stringify({ type: 'message', room: topic, data: v, message_id: id, timestamp: now });
  }
  if (kind === 'user') {
    const named = isObject(v) && typeof v.event === 'string' && v.event !== '';
    return JSON.stringify({
      type: 'notification',
      event: named ? (v as { event: string }).event : 'notification',
      data: named ? ((v as { data?: unknown }).data ?? null) : v,
      ...(userId !== undefined ? { user_id: userId } : {}),
      message_id: id,
      timestamp: now,
    });
  }
  return JSON.stringify({ type: 'message', data: v, message_id: id, timestamp: now });
}
