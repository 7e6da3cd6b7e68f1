/**
 * The one record of which credential a session presented: the token the auth plugin verified at
 * its upgrade or in its latest `auth` message, kept only on routes that ask for it
 * (`keepCredential`, e.g. routes whose plugins call an upstream on the session's behalf). Other
 * plugins read it through `authenticator.credentialOf(session)` and never re-read a token from a
 * path, query, header or subprotocol. The session's data holds an opaque, empty key object; the
 * token is in a WeakMap here, so it is neither enumerable by other plugins nor kept past the session.
 */
import type { Session, UpgradeRequest, WsRouteOptions } from '@actorwire/core';

export const CREDENTIAL_KEY = 'auth.credential';

const tokens = new WeakMap<object, string>();

export function keepsCredential(route: WsRouteOptions): boolean {
  return route.keepCredential === true;
}

function holder(token: string): object {
  const key = Object.freeze(Object.create(null) as object);
  tokens.set(key, token);
  return key;
}

/** At the upgrade: the verified token goes with the session (on routes that keep credentials). */
export function keepAtUpgrade(req: UpgradeRequest, token: string): void {
  if (keepsCredential(req.routeOptions)) req.data.set(CREDENTIAL_KEY, holder(token));
}

/** After an `auth` message: the newly verified token replaces the session's. */
export function keepForSession(session: Session, route: WsRouteOptions | undefined, token: string): void {
  if (route !== undefined && keepsCredential(route)) session.data.set(CREDENTIAL_KEY, holder(token));
}

export function credentialOf(session: Session): string | undefined {
  const key = session.data.get(CREDENTIAL_KEY);
  return typeof key === 'object' && key !== null ? tokens.get(key) : undefined;
}
