/**
 * @actorwire/errors — typed errors with stable codes. Protocol codes reach clients verbatim (docs/protocol.md);
 * kernel codes (WS_ERR_*) are raised at startup and never sent on the wire.
 */

/** Error codes that clients see in `error` frames. */
export const ProtocolErrors = {
  INVALID_JSON: 'invalid JSON format',
  UNKNOWN_TYPE: 'unknown message type',
  INVALID_MESSAGE: 'invalid message',
  ROOM_REQUIRED: 'room name is required',
  NOT_SUBSCRIBED: 'not subscribed to this room',
  ROOM_FULL: 'room is at maximum capacity',
  SERVER_FULL: 'server is at maximum capacity',
  FORBIDDEN: 'not allowed to join this room',
  UNAUTHORIZED: 'authentication required',
  RATE_LIMITED: 'rate limit exceeded',
  TOO_LARGE: 'message too large',
  TOO_MANY_SUBSCRIPTIONS: 'subscription limit reached',
  INTERNAL_ERROR: 'internal server error',
  UNAVAILABLE: 'temporarily unavailable, try again',
} as const;

export type ProtocolErrorCode = keyof typeof ProtocolErrors;

/** WebSocket close codes used by Actorwire (docs/protocol.md). */
export const CloseCodes = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  POLICY_VIOLATION: 1008,
  TOO_LARGE: 1009,
  INTERNAL_ERROR: 1011,
  /** The instance drains (a restart, a rolling deploy): reconnect at once, to another instance. */
  SERVICE_RESTART: 1012,
  SERVER_FULL: 1013,
  UNAUTHORIZED: 4401,
  FORBIDDEN: 4403,
  AUTH_TIMEOUT: 4408,
  RATE_LIMITED: 4429,
} as const;

export type CloseCode = (typeof CloseCodes)[keyof typeof CloseCodes];

/*
 * Errors are recognised by a brand (a registry symbol), not by `instanceof`: an application can
 * end up with two copies of @actorwire/core (a plugin installed with its own), and an error
 * thrown by one copy must still reach clients with its code, not as INTERNAL_ERROR.
 */
const ERROR_BRAND: unique symbol = Symbol.for('actorwire.error') as never;
const KERNEL_ERROR_BRAND: unique symbol = Symbol.for('actorwire.kernel-error') as never;

function hasBrand(err: unknown, brand: symbol): boolean {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[brand] === true;
}

/** True for an ActorwireError (or subclass) from any copy of @actorwire/core. */
export function isActorwireError(err: unknown): err is ActorwireError {
  return hasBrand(err, ERROR_BRAND);
}

/** True for a KernelError from any copy of @actorwire/core. */
export function isKernelError(err: unknown): err is KernelError {
  return hasBrand(err, KERNEL_ERROR_BRAND);
}

/** An error a client can be told about: stable `code`, human `message`. */
export class ActorwireError extends Error {
  readonly [ERROR_BRAND] = true as const;
  readonly code: string;
  /** HTTP status when the error answers an HTTP request or an upgrade. */
  readonly status: number;
  /** Close the session with this code after reporting the error. */
  readonly closeCode?: number;

  constructor(code: string, message: string, opts: { status?: number; closeCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ActorwireError';
    this.code = code;
    this.status = opts.status ?? 400;
    this.closeCode = opts.closeCode;
  }

  /** The JSON body of an HTTP answer. Subclasses add fields (e.g. the auth plugin's `reason`). */
  body(): Record<string, unknown> {
    return { error: this.message, code: this.code };
  }
}

/**
 * Build a protocol error. `detail` replaces the default text where docs/protocol.md allows
 * several (`UNAUTHORIZED`: invalid token / token expired) or appends (`INVALID_MESSAGE`).
 */
export function protocolError(
  code: ProtocolErrorCode,
  detail?: string,
  opts: { status?: number; closeCode?: number; cause?: unknown } = {},
): ActorwireError {
  let text: string = ProtocolErrors[code];
  if (detail !== undefined) text = code === 'INVALID_MESSAGE' ? `${text}: ${detail}` : detail;
  return new ActorwireError(code, text, { status: opts.status ?? statusFor(code), ...opts });
}

function statusFor(code: ProtocolErrorCode): number {
  switch (code) {
    case 'UNAUTHORIZED': return 401;
    case 'FORBIDDEN': return 403;
    case 'TOO_LARGE': return 413;
    case 'RATE_LIMITED': return 429;
    case 'SERVER_FULL': return 503;
    case 'UNAVAILABLE': return 503;
    case 'INTERNAL_ERROR': return 500;
    default: return 400;
  }
}

/** Startup errors: the kernel refuses to start and names the culprit. */
export const KernelErrors = {
  /** No uWebSockets.js build loads natively on this Node and glibc (core/uws/resolve.cjs says what to install). */
  UWS_NOT_NATIVE: 'WS_ERR_UWS_NOT_NATIVE',
  PLUGIN_INVALID: 'WS_ERR_PLUGIN_INVALID',
  PLUGIN_DUPLICATE: 'WS_ERR_PLUGIN_DUPLICATE',
  PLUGIN_KERNEL_RANGE: 'WS_ERR_PLUGIN_KERNEL_RANGE',
  PLUGIN_MISSING_DEPENDENCY: 'WS_ERR_PLUGIN_MISSING_DEPENDENCY',
  PLUGIN_DEPENDENCY_CYCLE: 'WS_ERR_PLUGIN_DEPENDENCY_CYCLE',
  PLUGIN_DEPENDENCY_VERSION: 'WS_ERR_PLUGIN_DEPENDENCY_VERSION',
  PLUGIN_MISSING_SERVICE: 'WS_ERR_PLUGIN_MISSING_SERVICE',
  PLUGIN_DUPLICATE_SERVICE: 'WS_ERR_PLUGIN_DUPLICATE_SERVICE',
  PLUGIN_UNDECLARED_SERVICE: 'WS_ERR_PLUGIN_UNDECLARED_SERVICE',
  PLUGIN_OPTIONS: 'WS_ERR_PLUGIN_OPTIONS',
  PLUGIN_REGISTER: 'WS_ERR_PLUGIN_REGISTER',
  PLUGIN_REGISTER_TIMEOUT: 'WS_ERR_PLUGIN_REGISTER_TIMEOUT',
  PLUGIN_LOAD: 'WS_ERR_PLUGIN_LOAD',
  DUPLICATE_MESSAGE_TYPE: 'WS_ERR_DUPLICATE_MESSAGE_TYPE',
  DUPLICATE_ROUTE: 'WS_ERR_DUPLICATE_ROUTE',
  DUPLICATE_TOPIC: 'WS_ERR_DUPLICATE_TOPIC',
  DUPLICATE_POLICY: 'WS_ERR_DUPLICATE_POLICY',
  DUPLICATE_HEALTH: 'WS_ERR_DUPLICATE_HEALTH',
  DUPLICATE_DIALECT: 'WS_ERR_DUPLICATE_DIALECT',
  UNKNOWN_DIALECT: 'WS_ERR_UNKNOWN_DIALECT',
  HOOK_FAILED: 'WS_ERR_HOOK_FAILED',
  UNKNOWN_HOOK: 'WS_ERR_UNKNOWN_HOOK',
  INVALID_SCHEMA: 'WS_ERR_INVALID_SCHEMA',
  CONFIG: 'WS_ERR_CONFIG',
  LATE_REGISTRATION: 'WS_ERR_LATE_REGISTRATION',
  LISTEN: 'WS_ERR_LISTEN',
} as const;

export class KernelError extends Error {
  readonly [KERNEL_ERROR_BRAND] = true as const;
  readonly code: string;
  /** The plugin (or config variable) the error is about, when there is one. */
  readonly subject?: string;
  constructor(code: string, message: string, subject?: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'KernelError';
    this.code = code;
    this.subject = subject;
  }
}
