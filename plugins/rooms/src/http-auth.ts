/**
 * HTTP routes of this plugin authenticate through the auth plugin's `authenticator`
 * (resolved per request: it may register after this plugin). Without one the server runs in
 * open mode and the routes answer anyone (logged once at startup).
 */
import type { Identity } from '@actorwire/core';
import type { HttpRequest, Rooms } from './runtime.js';

export async function authenticateHttp(r: Rooms, req: HttpRequest, roles: string[]): Promise<Identity | undefined> {
  const auth = r.authenticator();
  if (!auth) return undefined;
  return auth.authenticateHttp(req, { roles });
}
