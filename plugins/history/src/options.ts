/**
 * Options of the history plugin: which rooms keep history and how much.
 * From the environment: HISTORY_ROOMS="chat-*=100/10m,orders:*=50" (pattern=size[/age]).
 */
import { KernelError, KernelErrors, compilePattern } from '@actorwire/core';
import { envEnum, envInt, envSize, envString, parseDuration } from '@actorwire/config';

export interface HistoryRule {
  /** Room pattern (kernel topic pattern syntax: `{name}` segments, a trailing `*`). */
  pattern: string;
  /** Messages kept per room (the newest); default 100. */
  size?: number;
  /** Keep messages at most this long (ms); 0 (default) = only `size` limits. */
  ttl?: number;
}

export type HistoryStorage = 'auto' | 'memory' | 'redis';

export interface HistoryOptions {
  /** Rooms that keep history. Empty: the plugin keeps nothing (and costs nothing). */
  rooms: HistoryRule[];
  /**
   * Where history is kept is the server's broker's business: in memory on the kernel's, in
   * Redis Streams with @actorwire/plugin-redis-pubsub. `auto` takes that; `memory` / `redis`
   * only assert it (startup fails when the broker is another).
   */
  storage: HistoryStorage;
  /** Largest message a room with history takes (serialized frame, characters); larger publishes answer TOO_LARGE. Env HISTORY_MAX_MESSAGE_SIZE. */
  maxMessageBytes: number;
  /** Characters kept per room at most (the oldest go first; memory broker). Env HISTORY_MAX_ROOM_BYTES. */
  maxRoomBytes: number;
  /** Most messages one `history` request returns. */
  pageLimit: number;
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    rooms: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['pattern'],
        properties: {
          pattern: { type: 'string', minLength: 1 },
          size: { type: 'integer', minimum: 1, maximum: 100_000, default: 100 },
          ttl: { type: 'integer', minimum: 0, default: 0 },
        },
      },
    },
    storage: { enum: ['auto', 'memory', 'redis'], default: 'auto' },
    maxMessageBytes: { type: 'integer', minimum: 256, default: 64 * 1024 },
    maxRoomBytes: { type: 'integer', minimum: 1024, default: 4 * 1024 * 1024 },
    pageLimit: { type: 'integer', minimum: 1, maximum: 10_000, default: 100 },
  },
} as const;

export function optionsFromEnv(env: NodeJS.ProcessEnv): Partial<HistoryOptions> {
  return {
    rooms: parseRooms(env, 'HISTORY_ROOMS'),
    storage: envEnum(env, 'HISTORY_STORAGE', ['auto', 'memory', 'redis'] as const),
    maxMessageBytes: envSize(env, 'HISTORY_MAX_MESSAGE_SIZE', { min: 256 }),
    maxRoomBytes: envSize(env, 'HISTORY_MAX_ROOM_BYTES', { min: 1024 }),
    pageLimit: envInt(env, 'HISTORY_PAGE_LIMIT', { min: 1, max: 10_000 }),
  };
}

/** `pattern=size[/age]` items, comma-separated: `chat-*=100/10m,orders:*=50,news`. */
function parseRooms(env: NodeJS.ProcessEnv, name: string): HistoryRule[] | undefined {
  const raw = envString(env, name);
  if (raw === undefined) return undefined;
  const bad = (item: string, why: string): never => {
    throw new KernelError(KernelErrors.CONFIG, `invalid ${name} item ${JSON.stringify(item)}: ${why} (expected pattern=size[/age], e.g. chat-*=100/10m)`, name);
  };
  return raw.split(',').map((s) => s.trim()).filter(Boolean).map((item) => {
    const eq = item.lastIndexOf('=');
    const pattern = eq < 0 ? item : item.slice(0, eq);
    if (pattern === '') bad(item, 'no pattern');
    try {
      compilePattern(pattern);
    } catch (err) {
      bad(item, (err as Error).message);
    }
    if (eq < 0) return { pattern, size: 100, ttl: 0 };
    const [sizeText, ageText] = item.slice(eq + 1).split('/');
    const size = Number(sizeText);
    if (!Number.isInteger(size) || size < 1 || size > 100_000) bad(item, 'size must be an integer from 1 to 100000');
    let ttl = 0;
    if (ageText !== undefined) {
      const ms = parseDuration(ageText);
      if (ms === undefined || ms < 1000) bad(item, 'age must be a duration of at least 1s (e.g. 90s, 10m, 2h)');
      ttl = ms!;
    }
    return { pattern, size, ttl };
  });
}
