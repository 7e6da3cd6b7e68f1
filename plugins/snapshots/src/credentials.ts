/**
 * Which credential goes upstream, and who may be served the answer:
 *   a session's own request, forwarding on, session with a verified credential
 *       → that credential; the answer is for that user only               (audience user:<id>)
 *   a session's own request, forwarding off, authenticated session
 *       → the service token (or none): the upstream trusts this server,
 *         which authenticated the session; the answer is shared             (audience service)
 *   a session's own request, no credential (anonymous)
 *       → no credential; shared by anonymous sessions                       (audience anonymous)
 *   a refresh the server starts (Kafka record, changes API)
 *       → the service token, or none; pushed to the view's viewers          (audience service / anonymous)
 * The audience is part of every cache key: an answer fetched with one user's credential is never
 * served to another user or to anonymous sessions, and an anonymous session never gets an answer
 * fetched with the service token or anyone's credential. A viewer's credential is never used for
 * anything but that viewer's own request. Credential-like names are refused as query parameters.
 */
import type { Authenticator, Session } from '@actorwire/core';
import { invalid } from './errors.js';
import type { Keyed } from './cache.js';

/** Who a cached answer may be served to. */
export type Audience = 'anonymous' | 'service' | `user:${string}`;

export interface Credential {
  /** Sent upstream as `Authorization: Bearer`; undefined: no credential. */
  readonly token: string | undefined;
  readonly audience: Audience;
}

/** A view as the cache keys it: the view and who its answer is for. */
export interface Scoped<V extends Keyed> extends Keyed {
  readonly view: V;
  readonly audience: Audience;
}

export function scoped<V extends Keyed>(view: V, audience: Audience): Scoped<V> {
  return { view, audience, key: `${audience}\u0000${view.key}` };
}

const ANONYMOUS: Credential = { token: undefined, audience: 'anonymous' };

export class UpstreamCredentials {
  private readonly server: Credential;

  constructor(
    private readonly authenticator: () => Authenticator | undefined,
    private readonly forward: boolean,
    serviceToken: string | undefined,
  ) {
    this.server = serviceToken === undefined ? ANONYMOUS : { token: serviceToken, audience: 'service' };
  }

  /** Whether sessions must keep their credential (`keepCredential` on the plugin's routes). */
  get forwarding(): boolean {
    return this.forward;
  }

  /** For a request the session made itself. */
  forSession(session: Session): Credential {
    if (session.userId === undefined) return ANONYMOUS;
    if (!this.forward) return this.server;
    const token = this.authenticator()?.credentialOf(session);
    return token === undefined ? ANONYMOUS : { token, audience: `user:${session.userId}` };
  }

  /** For a refresh nobody asked for. */
  forServer(): Credential {
    return this.server;
  }
}

/** Query parameter names that carry credentials: refused, so none reaches the upstream as a filter. */
const CREDENTIAL_NAMES = new Set(['token', 'access_token', 'accesstoken', 'authorization', 'jwt', 'id_token', 'refresh_token', 'api_key', 'apikey']);

export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAMES.has(name.toLowerCase());
}

/** INVALID_MESSAGE for a credential-like query parameter name. */
export function refuseCredentialName(name: string): void {
  if (isCredentialName(name)) throw invalid(`query parameter ${JSON.stringify(name)} is not accepted: credentials are never query parameters`);
}
