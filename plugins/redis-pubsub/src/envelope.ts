/**
 * What travels on a channel: a one-line header, then the frame exactly as sockets receive it.
 *   w1|<traceparent or empty>|<origin instance id>\n<payload>
 * The payload is never parsed or re-serialized on the way (the hot-path rule in core/README.md); the
 * header carries the origin (so an instance never re-delivers its own publishes) and the W3C
 * trace context of the publish.
 */
import type { BusMessage } from '@actorwire/core';

const VERSION = 'w1';

export function encode(msg: BusMessage): string {
  return `${VERSION}|${msg.traceparent ?? ''}|${msg.origin}\n${msg.payload}`;
}

export interface Decoded {
  origin: string;
  traceparent?: string;
  payload: string;
}

/** undefined for anything that is not an envelope of ours (logged and dropped by the caller). */
export function decode(raw: string): Decoded | undefined {
  const nl = raw.indexOf('\n');
  if (nl < 0 || !raw.startsWith(`${VERSION}|`)) return undefined;
  const header = raw.slice(VERSION.length + 1, nl);
  const bar = header.indexOf('|');
  if (bar < 0) return undefined;
  const traceparent = header.slice(0, bar);
  const origin = header.slice(bar + 1);
  if (origin === '') return undefined;
  return { origin, payload: raw.slice(nl + 1), ...(traceparent ? { traceparent } : {}) };
}
