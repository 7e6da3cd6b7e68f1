/**
 * Options of the rooms plugin: their JSON schema (ajv fills the defaults before `register`)
 * and how they are read from the environment. Every environment variable is read with the
 * kernel's env helpers, so a bad value stops startup with an error naming the variable.
 */
import { KernelError, KernelErrors } from '@actorwire/core';
import { envBool, envDuration, envEnum, envInt, envSize, envList, envString, envUrl } from '@actorwire/config';

/** Who may publish into a room they are subscribed to. */
export type PublishAccess = 'members' | 'authenticated' | 'admins';
/** Who may send a canonical `broadcast` (to every connection). `auto`: admins when an authenticator is loaded, anyone in open mode. */
export type BroadcastAccess = 'auto' | 'admins' | 'authenticated' | 'anyone' | 'nobody';

export interface RoomsOptions {
  /** Max connections in one room (cluster-wide through `presence`); 0 = unlimited. Env WEBSOCKET_LIMITS_MAX_CONNECTIONS_PER_ROOM. */
  maxConnectionsPerRoom: number;
  /** Max rooms one connection may join through this plugin; 0 = only the kernel's limit (WEBSOCKET_LIMITS_MAX_SUBSCRIPTIONS). */
  maxRoomsPerConnection: number;
  /** Longest room name. */
  maxRoomNameLength: number;
  /** Characters a room name may use (a RegExp source, matched against the whole name). `$` is always refused. */
  roomNamePattern: string;
  /** Runtime authorization backend (the realtime service). When set, it replaces the claims policies. */
  backendUrl?: string;
  /** Time the backend has to answer before the request is denied (ms). */
  backendTimeout: number;
  /** Roles that count as administrators (order/seller rooms, other users' channels, presence of any room, broadcast). */
  adminRoles: string[];
  /** Claim holding the seller id that `seller-{id}` rooms compare (a dotted path is read as a path). Env `JWT_SELLER_ID_CLAIM`. */
  sellerIdClaim: string;
  /** Roles allowed on plain rooms (not order-/seller-/user:); empty = every authenticated user. */
  roomRoles: string[];
  /** Anonymous sessions (open mode, or `optional` routes) may join plain rooms. Never order-/seller-/user: rooms. */
  allowAnonymous: boolean;
  /** Who may publish into a room (besides being subscribed to it). */
  publish: PublishAccess;
  /** Who may broadcast to every connection. */
  broadcast: BroadcastAccess;
  /** Serve POST /api/notify. */
  notifyApi: boolean;
  /** Roles whose token may call POST /api/notify. */
  notifyRoles: string[];
  /** Largest POST /api/notify body (bytes); larger bodies get 413. Capped by the kernel's maxHttpBodySize. */
  notifyMaxBodySize: number;
  /** Serve GET /admin/clients. */
  adminApi: boolean;
  /** Room patterns (kernel topic pattern syntax) whose subscribers get `presence` join/leave events. */
  presenceEvents: string[];
  /** Room-name prefixes that alias the caller's own user channel (gateway dialect `notifications:<user_id>`). */
  userChannelAliases: string[];
}

const roles = { type: 'array', items: { type: 'string', minLength: 1 } } as const;

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxConnectionsPerRoom: { type: 'integer', minimum: 0, default: 0 },
    maxRoomsPerConnection: { type: 'integer', minimum: 0, default: 0 },
    maxRoomNameLength: { type: 'integer', minimum: 1, maximum: 4096, default: 128 },
    roomNamePattern: { type: 'string', minLength: 1, default: '^[A-Za-z0-9_.:@-]+$' },
    backendUrl: { type: 'string', pattern: '^https?://' },
    backendTimeout: { type: 'integer', minimum: 1, default: 3000 },
    adminRoles: { ...roles, default: ['admin'] },
    roomRoles: { ...roles, default: [] },
    sellerIdClaim: { type: 'string', minLength: 1, default: 'seller_id' },
    allowAnonymous: { type: 'boolean', default: true },
    publish: { enum: ['members', 'authenticated', 'admins'], default: 'members' },
    broadcast: { enum: ['auto', 'admins', 'authenticated', 'anyone', 'nobody'], default: 'auto' },
    notifyApi: { type: 'boolean', default: true },
    notifyRoles: { ...roles, default: ['admin', 'service'] },
    notifyMaxBodySize: { type: 'integer', minimum: 1, default: 65536 },
    adminApi: { type: 'boolean', default: true },
    presenceEvents: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
    userChannelAliases: { type: 'array', items: { type: 'string', minLength: 1 }, default: ['notifications:'] },
  },
} as const;

/** Environment variables → options (undefined values are dropped by the CLI). */
export function optionsFromEnv(env: NodeJS.ProcessEnv): Partial<RoomsOptions> {
  return {
    maxConnectionsPerRoom: envInt(env, 'WEBSOCKET_LIMITS_MAX_CONNECTIONS_PER_ROOM', { min: 0 }),
    maxRoomsPerConnection: envInt(env, 'ROOMS_MAX_ROOMS_PER_CONNECTION', { min: 0 }),
    maxRoomNameLength: envInt(env, 'ROOMS_MAX_NAME_LENGTH', { min: 1, max: 4096 }),
    roomNamePattern: envPattern(env, 'ROOMS_NAME_PATTERN'),
    backendUrl: envUrl(env, 'BACKEND_URL'),
    backendTimeout: envDuration(env, 'ROOMS_BACKEND_TIMEOUT', { min: 1 }),
    adminRoles: envList(env, 'ROOMS_ADMIN_ROLES'),
    roomRoles: envList(env, 'ROOMS_ROOM_ROLES'),
    sellerIdClaim: envString(env, 'JWT_SELLER_ID_CLAIM'),
    allowAnonymous: envBool(env, 'ROOMS_ALLOW_ANONYMOUS'),
    publish: envEnum(env, 'ROOMS_PUBLISH', ['members', 'authenticated', 'admins'] as const),
    broadcast: envEnum(env, 'ROOMS_BROADCAST', ['auto', 'admins', 'authenticated', 'anyone', 'nobody'] as const),
    notifyApi: envBool(env, 'ROOMS_NOTIFY_API'),
    notifyRoles: envList(env, 'ROOMS_NOTIFY_ROLES'),
    notifyMaxBodySize: envSize(env, 'ROOMS_NOTIFY_MAX_BODY_SIZE', { min: 1 }),
    adminApi: envBool(env, 'ROOMS_ADMIN_API'),
    presenceEvents: envList(env, 'ROOMS_PRESENCE_EVENTS'),
    userChannelAliases: envList(env, 'ROOMS_USER_CHANNEL_ALIASES'),
  };
}

/** A regular expression from the environment; a bad one names the variable. */
function envPattern(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = envString(env, name);
  if (v === undefined) return undefined;
  try {
    new RegExp(v);
  } catch (err) {
    throw new KernelError(KernelErrors.CONFIG, `invalid ${name}=${JSON.stringify(v)}: expected a regular expression (${(err as Error).message})`, name);
  }
  return v;
}
