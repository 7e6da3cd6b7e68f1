/**
 * The `authenticator` service (its contract is core's `Authenticator`): what other plugins use
 * to verify tokens, e.g. the rooms plugin's `POST /api/notify` and `GET /admin/clients`.
 */
import type { Authenticator, Identity } from '@actorwire/core';
import { AuthError } from './errors.js';
import type { AuthRuntime } from './runtime.js';
import { tokenFromHttp, type HttpLikeRequest } from './sources.js';
import { credentialOf } from './credentials.js';

export function createAuthenticator(rt: AuthRuntime): Authenticator {
  const verifier = rt.verifier!;
  const where = (req: HttpLikeRequest) => ({ route: req.path, remote: req.ip });
  return {
    algorithms: verifier.algorithms,
    verify: (token) => verifier.verify(token),
    tokenFromHttp: (req) => tokenFromHttp(req, rt.opts).token,
    credentialOf,
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
