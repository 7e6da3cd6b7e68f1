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
import { compactDialect } from './compact.js';
import { envelopeDialect } from './envelope.js';
import { gatewayDialect } from './gateway.js';

export { gatewayDialect } from './gateway.js';
export { envelopeDialect } from './envelope.js';
export { compactDialect } from './compact.js';
export { rfc3339 } from './time.js';

export interface DialectsOptions {
  /** Which to define (all by default). Env ACTORWIRE_DIALECTS. */
  enabled: Array<'gateway' | 'envelope' | 'compact'>;
}

export default definePlugin<DialectsOptions>({
  name: 'dialects',
  version: packageInfo(import.meta.url).version,
  kernel: '^0.2.0',
  options: {
    type: 'object',
    additionalProperties: false,
    properties: { enabled: { type: 'array', items: { enum: ['gateway', 'envelope', 'compact'] }, default: ['gateway', 'envelope', 'compact'] } },
  },
  optionsFromEnv: (env) => {
    const list = env.ACTORWIRE_DIALECTS?.split(',').map((s) => s.trim()).filter(Boolean);
    return list ? { enabled: list as DialectsOptions['enabled'] } : {};
  },
  register(ctx, o) {
    if (o.enabled.includes('gateway')) ctx.dialects.define(gatewayDialect(ctx.sessions.userTopic('')));
    if (o.enabled.includes('envelope')) ctx.dialects.define(envelopeDialect(ctx.sessions.userTopic('')));
    if (o.enabled.includes('compact')) ctx.dialects.define(compactDialect());
  },
});
