/**
 * The `onUpgrade` hook: a token present at upgrade is verified before the upgrade; a bad
 * one is answered with HTTP 401 and a JSON body naming the reason.
 */
import type { UpgradeRequest, WsRouteOptions } from '@actorwire/core';
import { AuthError } from './errors.js';
import type { AuthRuntime } from './runtime.js';
import { tokenFromUpgrade } from './sources.js';
import { keepAtUpgrade } from './credentials.js';

/** Per route `meta.lateAuth` (boolean) wins over the plugin option. */
export function lateAuthFor(route: WsRouteOptions, fallback: boolean): boolean {
  const v = route.meta?.lateAuth;
  return typeof v === 'boolean' ? v : fallback;
}

function refuse(rt: AuthRuntime, req: UpgradeRequest, err: AuthError, source: string | undefined): void {
  rt.refused(err, 'upgrade', { route: req.route, remote: req.remoteAddress, ...(source ? { source } : {}) });
  req.reject(err.status, err.body());
}

/**
 * Synchronous whenever the verdict is (no token, a cached token, a plain HMAC token): the
 * kernel then completes the upgrade in the same tick. Otherwise a promise.
 */
export function upgradeHook(rt: AuthRuntime): (req: UpgradeRequest) => void | Promise<void> {
  const verifier = rt.verifier!;
  const accepted = (req: UpgradeRequest, token: string, source: string): void => {
    // The token has done its job: the session keeps no copy of it (but in the credential record, where its route asks).
    if (source === 'query') req.redactQueryParam(rt.opts.queryParam);
    keepAtUpgrade(req, token);
    rt.stats.count('ok', 'valid', 'upgrade');
    if (rt.logger.isLevelEnabled('debug')) rt.logger.debug({ userId: req.identity!.userId, route: req.route, source }, 'authenticated at upgrade');
  };
  const later = async (req: UpgradeRequest, token: string, source: string): Promise<void> => {
    try {
      req.identity = await verifier.verify(token);
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      refuse(rt, req, err, source);
      return;
    }
    accepted(req, token, source);
  };
  return (req) => {
    const found = tokenFromUpgrade(req, rt.opts);
    // Echo only the marker (`bearer`), never the token, whatever the route's mode.
    if (found.marker !== undefined && req.protocol === undefined) req.protocol = found.marker;
    if (req.rejected || req.authMode === 'none') return;
    if (found.token === undefined) {
      if (req.authMode === 'required' && !lateAuthFor(req.routeOptions, rt.opts.lateAuth)) {
        refuse(rt, req, new AuthError('missing_token', 'no token at upgrade and late authentication is off for this route'), undefined);
      }
      // Otherwise: anonymous ('optional'), or `authenticating` until an `auth` message or the kernel's deadline (4408).
      return;
    }
    if (found.conflict !== undefined) {
      refuse(rt, req, new AuthError('conflicting_tokens', `the ${found.source} and the ${found.conflict} carry different tokens`), found.conflict);
      return;
    }
    let identity;
    try {
      identity = verifier.verifySync(found.token);
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      refuse(rt, req, err, found.source!);
      return;
    }
    if (identity === undefined) return later(req, found.token, found.source!);
    req.identity = identity;
    accepted(req, found.token, found.source!);
  };
}

/** Open mode (no key): nothing is verified; only routes that explicitly require auth are refused. */
export function openModeUpgradeHook(rt: AuthRuntime): (req: UpgradeRequest) => void {
  let warned = false;
  return (req) => {
    const found = tokenFromUpgrade(req, rt.opts);
    if (found.marker !== undefined && req.protocol === undefined) req.protocol = found.marker;
    if (req.rejected) return;
    if (req.authMode === 'required') {
      refuse(rt, req, new AuthError('missing_secret', 'the route requires authentication but no JWT_SECRET, JWT_PUBLIC_KEY or JWKS_URL is configured'), found.source);
      return;
    }
    if (found.token !== undefined && !warned) {
      warned = true;
      rt.logger.warn({ reason: 'missing_secret', route: req.route, source: found.source }, 'a token was presented but no key is configured (open mode): tokens are ignored and sessions are anonymous');
    }
  };
}
