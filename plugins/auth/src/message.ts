/**
 * The `auth` message: `{"type":"auth","token":"<jwt>"}` authenticates a session that
 * connected without a token, or refreshes the token of an authenticated one (same user).
 * Answer: `{"type":"authenticated","data":{"user_id","expires_at"}}`, or an `error` frame
 * with code UNAUTHORIZED and a `reason`.
 */
import { CloseCodes, isActorwireError, type InboundMessage, type MessageRegistry, type Session, type SessionRegistry, type WsRouteOptions } from '@actorwire/core';
import { AuthError } from './errors.js';
import type { AuthRuntime } from './runtime.js';
import { keepForSession } from './credentials.js';

interface AuthMessage extends InboundMessage {
  token: string;
}

export const authMessageSchema = {
  type: 'object',
  required: ['type', 'token'],
  properties: {
    type: { const: 'auth' },
    token: { type: 'string', minLength: 1 },
    id: { type: 'string' },
  },
} as const;

/** Accept `{"type":"auth","data":{"token":...}}` (and `payload`) as well. */
function normalize(raw: Record<string, unknown>): InboundMessage | undefined {
  if (typeof raw.token === 'string') return undefined;
  for (const key of ['data', 'payload']) {
    const inner = raw[key] as Record<string, unknown> | undefined;
    if (inner && typeof inner === 'object' && typeof inner.token === 'string') {
      return { ...(raw as InboundMessage), token: inner.token };
    }
  }
  return undefined;
}

export function defineAuthMessage(messages: MessageRegistry, sessions: SessionRegistry, rt: AuthRuntime, routeOf: (route: string) => WsRouteOptions | undefined = () => undefined): void {
  const failures = new WeakMap<Session, number>();

  const refuse = (session: Session, err: AuthError, reply: (f: ReturnType<AuthError['frame']>) => void): void => {
    rt.refused(err, 'message', { route: session.route, remote: session.remoteAddress, session: session.id, ...(session.userId !== undefined ? { userId: session.userId } : {}) });
    reply(err.frame());
    // A key the server cannot fetch is not the client's failure; everything else counts (open mode too).
    if (err.reason === 'key_unavailable') return;
    const max = rt.opts.maxAuthFailures;
    const n = (failures.get(session) ?? 0) + 1;
    failures.set(session, n);
    if (max > 0 && n >= max) {
      rt.logger.warn({ reason: 'too_many_failures', route: session.route, remote: session.remoteAddress, session: session.id, failures: n }, 'closing session after repeated authentication failures');
      session.close(CloseCodes.UNAUTHORIZED, 'too many authentication failures');
    }
  };

  messages.define<AuthMessage>('auth', {
    schema: authMessageSchema,
    normalize,
    allowUnauthenticated: true,
    async handle({ session, message, reply }) {
      if (!rt.verifier) {
        return refuse(session, new AuthError('missing_secret', 'auth message in open mode: no JWT_SECRET, JWT_PUBLIC_KEY or JWKS_URL is configured'), reply);
      }
      let identity;
      try {
        identity = await rt.verifier.verify(message.token);
      } catch (err) {
        if (err instanceof AuthError) return refuse(session, err, reply);
        throw err;
      }
      if (session.phase === 'closing' || session.phase === 'closed') return;
      const previous = session.identity;
      if (previous && previous.userId !== identity.userId) {
        // The kernel refuses this too; checking first gives the client a reason.
        return refuse(session, new AuthError('wrong_user', 'a refresh must carry a token of the same user'), reply);
      }
      try {
        await sessions.authenticate(session, identity);
      } catch (err) {
        if (isActorwireError(err) && err.code === 'UNAUTHORIZED') {
          return refuse(session, new AuthError('wrong_user', err.message), reply);
        }
        throw err;
      }
      failures.delete(session);
      keepForSession(session, routeOf(session.route), message.token);
      rt.stats.count('ok', previous ? 'refreshed' : 'valid', 'message');
      rt.logger.debug({ userId: identity.userId, session: session.id, refresh: previous !== undefined }, previous ? 'token refreshed' : 'authenticated by message');
      reply({ type: 'authenticated', data: { user_id: identity.userId, expires_at: identity.expiresAt ?? null } });
    },
  });
}
