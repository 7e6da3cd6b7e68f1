/**
 * The realtime service's frames: room traffic arrives as the envelope
 * `{"from","room","ts","body","meta"}` (`ts` RFC 3339, `meta` with the message id and kind), and
 * joining or leaving a room is answered with the text `joined <room>` / `left <room>`. The
 * service sent nothing on connect, so `connected` is not sent; errors and other frames keep the
 * canonical form. Its clients' inbound forms (`join`/`leave`/`broadcast` with a `payload`) are
 * already the rooms plugin's aliases.
 *
 *   subscribed {room}          → joined R
 *   unsubscribed {room}        → left R
 *   message {room?, data}      → {"from":U|client_id|"server","room":R|null,"ts","body":D,"meta":{"message_id","type":"message"}}
 *   notification {event, data} → {"from":"server","room":R|null,"ts","body":D,"meta":{"message_id","type":"notification","event":E}}
 */
import type { Dialect, Frame } from '@actorwire/core';
import { rfc3339 } from './time.js';

/**
 * `userTopicPrefix`: the kernel's user topics, which are not rooms (nor is the `$` broadcast topic).
 * `echoText`: text that is not JSON comes back as it is (the service's hub echoed it) instead of
 * `INVALID_JSON`.
 */
export function envelopeDialect(userTopicPrefix: string, opts: { echoText?: boolean } = {}): Dialect {
  const roomOf = (topic: string | undefined): string | null =>
    topic === undefined || topic.startsWith('$') || topic.startsWith(userTopicPrefix) ? null : topic;
  return {
    name: 'envelope',
    subprotocols: ['actorwire.envelope'],
    ...(opts.echoText === false ? {} : { text: (text: string) => text }),
    encode(frame: Frame & Record<string, unknown>, topic: string | undefined): string | undefined {
      const room = typeof frame.room === 'string' ? frame.room : roomOf(topic);
      switch (frame.type) {
        case 'connected':
          return undefined;
        case 'subscribed':
          return `joined ${room ?? ''}`;
        case 'unsubscribed':
          return `left ${room ?? ''}`;
        case 'message': {
          const from = typeof frame.user_id === 'string' ? frame.user_id : typeof frame.client_id === 'string' ? frame.client_id : 'server';
          return JSON.stringify({ from, room, ts: rfc3339(frame.timestamp), body: frame.data ?? null, meta: { message_id: frame.message_id ?? null, type: 'message' } });
        }
        case 'notification':
          return JSON.stringify({
            from: 'server', room, ts: rfc3339(frame.timestamp), body: frame.data ?? null,
            meta: { message_id: frame.message_id ?? null, type: 'notification', event: frame.event ?? null },
          });
        default:
          return JSON.stringify(frame);
      }
    },
  };
}
