/**
 * @actorwire/plugin-dialects — the Go services' wire dialects for their existing clients:
 * `gateway` (the API gateway: ack / event / notification / error with RFC 3339 timestamps and a
 * message_id on everything) and `envelope` (the realtime service: `{from, room, ts, body, meta}`
 * envelopes and `joined <room>` replies); and `compact`, the canonical protocol with room messages
 * stripped to room, data and timestamp for high fan-out rooms. A connection chooses with
 * `?dialect=`, a subprotocol (`actorwire.gateway`, `actorwire.envelope`, `actorwire.compact`), or
 * its route's `dialect`. See README.md.
 */
import { definePlugin, packageInfo } from '@actorwire/core';
import { envBool, envList, envPairs } from '@actorwire/config';
import { compactDialect, compactRoomsDialect } from './compact.js';
import { envelopeDialect } from './envelope.js';
import { gatewayDialect } from './gateway.js';

export { gatewayDialect } from './gateway.js';
export { envelopeDialect } from './envelope.js';
export { compactDialect, compactRoomsDialect } from './compact.js';
export { rfc3339 } from './time.js';

type DialectName = 'gateway' | 'envelope' | 'compact' | 'compact-rooms';

export interface DialectsOptions {
  /** Which to define (all by default). Env ACTORWIRE_DIALECTS. */
  enabled: DialectName[];
  /**
   * Extra WebSocket paths, each speaking one dialect, beside the canonical `/ws` (e.g.
   * `{ "/ws/gateway": "gateway", "/ws/rt": "envelope" }`), so every service's clients run
   * unchanged on one server. Env ACTORWIRE_DIALECT_ROUTES (`/ws/gateway=gateway,/ws/rt=envelope`).
   */
  routes: Record<string, DialectName>;
  /** The envelope dialect answers text that is not JSON with the same text (its service did). Env ACTORWIRE_ENVELOPE_ECHO. */
  envelopeEcho: boolean;
  /**
   * Rooms (kernel topic patterns: `ticker`, `prices-*`, `match-{id}`) whose messages the
   * `compact-rooms` dialect sends compact; it is defined when this is not empty. Make it the
   * server's dialect (ACTORWIRE_DIALECT=compact-rooms) or a route's to make compact the default
   * there. Env ACTORWIRE_COMPACT_ROOMS (comma-separated).
   */
  compactRooms: string[];
}

const NAMES: readonly DialectName[] = ['gateway', 'envelope', 'compact', 'compact-rooms'];

export default definePlugin<DialectsOptions>({
  name: 'dialects',
  version: packageInfo(import.meta.url).version,
  kernel: '^0.2.0',
  options: {
    type: 'object',
    additionalProperties: false,
    properties: {
      enabled: { type: 'array', items: { enum: [...NAMES] }, default: [...NAMES] },
      routes: {
        type: 'object',
        propertyNames: { pattern: '^/[A-Za-z0-9_./~-]*$', maxLength: 256 },
        additionalProperties: { enum: [...NAMES] },
        default: {},
      },
      envelopeEcho: { type: 'boolean', default: true },
      compactRooms: { type: 'array', maxItems: 256, items: { type: 'string', minLength: 1, maxLength: 256 }, default: [] },
    },
  },
  optionsFromEnv: (env) => {
    const list = envList(env, 'ACTORWIRE_DIALECTS');
    const routes = envPairs(env, 'ACTORWIRE_DIALECT_ROUTES', '/path=dialect', { sep: '=', keepCase: true });
    const envelopeEcho = envBool(env, 'ACTORWIRE_ENVELOPE_ECHO');
    const compactRooms = envList(env, 'ACTORWIRE_COMPACT_ROOMS');
    return {
      ...(compactRooms ? { compactRooms } : {}),
      ...(list ? { enabled: list as DialectName[] } : {}),
      ...(routes ? { routes: routes as Record<string, DialectName> } : {}),
      ...(envelopeEcho !== undefined ? { envelopeEcho } : {}),
    };
  },
  register(ctx, o) {
    const userTopics = ctx.sessions.userTopic('');
    if (o.enabled.includes('gateway')) ctx.dialects.define(gatewayDialect(userTopics));
    if (o.enabled.includes('envelope')) ctx.dialects.define(envelopeDialect(userTopics, { echoText: o.envelopeEcho }));
    if (o.enabled.includes('compact')) ctx.dialects.define(compactDialect());
    if (o.compactRooms.length > 0 && o.enabled.includes('compact-rooms')) {
      let dialect;
      try {
        dialect = compactRoomsDialect(o.compactRooms);
      } catch (err) {
        throw new Error(`ACTORWIRE_COMPACT_ROOMS: ${(err as Error).message} (patterns: literal text, {name} segments, a trailing *)`);
      }
      ctx.dialects.define(dialect);
    } else if (o.compactRooms.length > 0) {
      throw new Error('ACTORWIRE_COMPACT_ROOMS is set but ACTORWIRE_DIALECTS leaves out "compact-rooms"');
    }
    for (const [path, dialect] of Object.entries(o.routes)) {
      if (!o.enabled.includes(dialect)) throw new Error(`dialect route ${path} speaks "${dialect}", which ACTORWIRE_DIALECTS leaves out`);
      if (dialect === 'compact-rooms' && o.compactRooms.length === 0) throw new Error(`dialect route ${path} speaks "compact-rooms", which needs ACTORWIRE_COMPACT_ROOMS (the rooms to send compact)`);
      ctx.routes.ws(path, { dialect });
    }
  },
});
