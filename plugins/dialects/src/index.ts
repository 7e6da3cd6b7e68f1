/**
 * @actorwire/plugin-dialects — the Go services' wire dialects for their existing clients:
 * `gateway` (the API gateway: ack / event / notification / error with RFC 3339 timestamps and a
 * message_id on everything) and `envelope` (the realtime service: `{from, room, ts, body, meta}`
 * envelopes and `joined <room>` replies). A connection chooses with `?dialect=`, a subprotocol
 * (`actorwire.gateway`, `actorwire.envelope`), or its route's `dialect`. See README.md.
 */
import { definePlugin, packageInfo } from '@actorwire/core';
import { envelopeDialect } from './envelope.js';
import { gatewayDialect } from './gateway.js';

export { gatewayDialect } from './gateway.js';
export { envelopeDialect } from './envelope.js';
export { rfc3339 } from './time.js';

export interface DialectsOptions {
  /** Which of the two to define (both by default). Env ACTORWIRE_DIALECTS. */
  enabled: Array<'gateway' | 'envelope'>;
}

export default definePlugin<DialectsOptions>({
  name: 'dialects',
  version: packageInfo(import.meta.url).version,
  kernel: '^0.1.0',
  options: {
    type: 'object',
    additionalProperties: false,
    properties: { enabled: { type: 'array', items: { enum: ['gateway', 'envelope'] }, default: ['gateway', 'envelope'] } },
  },
  optionsFromEnv: (env) => {
    const list = env.ACTORWIRE_DIALECTS?.split(',').map((s) => s.trim()).filter(Boolean);
    return list ? { enabled: list as DialectsOptions['enabled'] } : {};
  },
  register(ctx, o) {
    if (o.enabled.includes('gateway')) ctx.dialects.define(gatewayDialect(ctx.sessions.userTopic('')));
    if (o.enabled.includes('envelope')) ctx.dialects.define(envelopeDialect(ctx.sessions.userTopic('')));
  },
});
