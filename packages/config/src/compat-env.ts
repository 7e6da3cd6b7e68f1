/**
 * Variables of the Go WebSocket module Actorwire replaces, so its deployments start unchanged:
 * the ones that name a real setting become aliases, the others are reported once (they cannot
 * apply) instead of being silently ignored. `WEBSOCKET_MAX_MESSAGE_SIZE`, `WEBSOCKET_PING_INTERVAL`,
 * `WEBSOCKET_PONG_WAIT` and `WEBSOCKET_LIMITS_*` already are Actorwire's own names.
 */

/** Old name → the Actorwire variable it sets (when that one is unset). */
export const COMPAT_ALIASES: Readonly<Record<string, string>> = {
  WEBSOCKET_PORT: 'PORT',
  WEBSOCKET_HOST: 'HOST',
  // The module's guide spells the entity settings both ways; the snapshots plugin reads WS_*.
  WEBSOCKET_DEFAULT_ENTITY: 'WS_DEFAULT_ENTITY',
  WEBSOCKET_ALLOWED_ACTIONS: 'WS_ALLOWED_ACTIONS',
};

/** Old names with no Actorwire equivalent, and why. */
export const COMPAT_IGNORED: Readonly<Record<string, string>> = {
  WEBSOCKET_TIMEOUT: 'the HTTP upgrade has a fixed 10 s idle limit and the session its auth deadline (WEBSOCKET_AUTH_TIMEOUT)',
  WEBSOCKET_HANDSHAKE_TIMEOUT: 'the HTTP upgrade has a fixed 10 s idle limit',
  WEBSOCKET_READ_BUFFER_SIZE: 'socket buffers are managed by uWebSockets.js; the message size limit is WEBSOCKET_MAX_MESSAGE_SIZE',
  WEBSOCKET_WRITE_BUFFER_SIZE: 'socket buffers are managed by uWebSockets.js; the per-connection send limit is WEBSOCKET_MAX_BACKPRESSURE',
  WEBSOCKET_WRITE_WAIT: 'writes never block; a client that does not read is handled by WEBSOCKET_MAX_BACKPRESSURE and WEBSOCKET_SLOW_CONSUMER',
  WEBSOCKET_WRITE_TIMEOUT: 'writes never block; a client that does not read is handled by WEBSOCKET_MAX_BACKPRESSURE and WEBSOCKET_SLOW_CONSUMER',
  WEBSOCKET_READ_TIMEOUT: 'a silent connection is closed after WEBSOCKET_PONG_WAIT',
  WEBSOCKET_ENABLE_COMPRESSION: 'permessage-deflate is off: it would cost a compression per receiver of every fan-out',
  WEBSOCKET_COMPRESSION_LEVEL: 'permessage-deflate is off: it would cost a compression per receiver of every fan-out',
};

export interface CompatEnvWarning {
  name: string;
  text: string;
}

const warned = new Set<string>();

/**
 * The environment with the Go module's aliases applied (the Actorwire name wins when both are
 * set). Returns a copy when anything changed; `warn` is called once per variable per process.
 */
export function withCompatEnv(env: NodeJS.ProcessEnv, warn: (w: CompatEnvWarning) => void = emitOnce): NodeJS.ProcessEnv {
  let out: NodeJS.ProcessEnv | undefined;
  for (const [old, current] of Object.entries(COMPAT_ALIASES)) {
    const v = env[old];
    if (v === undefined) continue;
    if (env[current] === undefined) {
      out ??= { ...env };
      out[current] = v;
    } else if (env[current] !== v) {
      warn({ name: old, text: `${old}=${v} is ignored because ${current}=${env[current]} is set` });
    }
  }
  for (const [name, why] of Object.entries(COMPAT_IGNORED)) {
    if (env[name] !== undefined) warn({ name, text: `${name} has no effect in Actorwire: ${why}` });
  }
  const enabled = env.WEBSOCKET_ENABLED?.trim().toLowerCase();
  if (enabled === 'false' || enabled === '0' || enabled === 'no') {
    warn({ name: 'WEBSOCKET_ENABLED', text: 'WEBSOCKET_ENABLED=false has no effect: Actorwire is the WebSocket server; do not start it to disable WebSockets' });
  }
  return out ?? env;
}

function emitOnce(w: CompatEnvWarning): void {
  if (warned.has(w.name)) return;
  warned.add(w.name);
  process.emitWarning(w.text, { type: 'ActorwireConfigWarning', code: 'ACTORWIRE_COMPAT_ENV' });
}
