/**
 * The container's `authenticator`: what other plugins use to verify tokens, e.g. the rooms
 * plugin's `POST /api/notify` (admin or service) and `GET /admin/clients` (admin).
 */
import type { Identity } from '@actorwire/core';
import { AuthError } from './errors.js';
import type { AuthRuntime } from './runtime.js';
import { tokenFromHttp, type HttpLikeRequest } from './sources.js';

export interface Authenticator {
  /** Verify a token; throws an AuthError (a ActorwireError, code UNAUTHORIZED, status 401/503, with `reason`). */
  verify(token: string): Promise<Identity>;
  /** The token of an HTTP request: `Authorization: Bearer`, else the `?token=` query parameter. */
  tokenFromHttp(req: HttpLikeRequest): string | undefined;
  /**
   * Authenticate an HTTP request. 401 without a token or with a bad one; 403 (code FORBIDDEN,
   * reason insufficient_role) when `roles` is given and the token's role is not in it.
   */
  authenticateHttp(req: HttpLikeRequest, opts?: { roles?: readonly string[] }): Promise<Identity>;
  /** Every algorithm some configured key accepts. */
  readonly algorithms: readonly string[];
}

export function createAuthenticator(rt: AuthRuntime): Authenticator {
  const verifier = rt.verifier!;
  const where = (req: HttpLikeRequest) => ({ route: req.path, remote: req.ip });
  return {
    algorithms: verifier.algorithms,
    verify: (token) => verifier.verify(token),
    tokenFromHttp: (req) => tokenFromHttp(req, rt.opts).token,
    async authenticateHttp(req, opts = {}) {
      const { token, source } = tokenFromHttp(req, rt.opts);
      let identity: Identity;
      try {
        if (token === undefined) throw new AuthError('missing_token');
        identity = await verifier.verify(token);
      } catch (err) {
        if (err instanceof AuthError) rt.refused(err, 'http', { ...where(req), ...(source ? { source } : {}) });
        throw err;
      }
      if (opts.roles && opts.roles.length > 0 && (identity.role === undefined || !opts.roles.includes(identity.role))) {
        const err = new AuthError('insufficient_role', `role ${JSON.stringify(identity.role ?? null)} is not one of ${opts.roles.join(', ')}`);
        rt.refused(err, 'http', { ...where(req), userId: identity.userId });
        throw err;
      }
      rt.stats.count('ok', 'valid', 'http');
      return identity;
    },
  };
}
