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
 * Plain JSON has no origin id, so an instance would get its own publishes back: it remembers
 * what it published (the frame's `message_id`, else the payload) for 10–20 s and drops one
 * matching arrival per publish.
 */
import { randomUUID } from 'node:crypto';

export type ChannelKind = 'room' | 'events' | 'user' | 'broadcast';

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
  ) {}

  /** Where a local publish to `topic` goes. */
  publishChannel(topic: string): string {
    if (topic === this.broadcastTopic) return this.names.broadcastChannel;
    if (topic.startsWith(this.userTopicPrefix)) return this.names.userPrefix + topic.slice(this.userTopicPrefix.length);
    return this.names.roomPrefix + topic;
  }

  /** What to subscribe to for `topic`. */
  subscribeChannels(topic: string): string[] {
    if (topic === this.broadcastTopic || topic.startsWith(this.userTopicPrefix)) return [this.publishChannel(topic)];
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
