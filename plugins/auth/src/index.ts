/**
 * @actorwire/plugin-auth — JWT authentication of sessions with jose.
 *
 * With a key (JWT_SECRET, JWT_PUBLIC_KEY or JWKS_URL) it provides the `authenticator` service
 * (which turns auth on in the kernel: routes default to `auth: 'required'`), an
 * `onUpgrade` hook that verifies tokens before the upgrade, and the `auth` message. Without
 * a key it starts in an explicit, logged open mode: sessions are anonymous.
 */
import { KernelError, KernelErrors, definePlugin, packageInfo, type PluginContext } from '@actorwire/core';
import type { Authenticator } from '@actorwire/core';
import { createAuthenticator } from './http.js';
import { jwksSource, pemSources, secretSource, type KeySource, type RemoteKeySet } from './keys.js';
import { defineAuthMessage } from './message.js';
import { optionsFromEnv, optionsSchema, type AuthOptions } from './options.js';
import { createRuntime, type ResolvedOptions } from './runtime.js';
import { openModeUpgradeHook, upgradeHook } from './upgrade.js';
import { createVerifier } from './verifier.js';
import type { AuthError } from './errors.js';

export { AuthError, AuthReasons, isAuthError, type AuthReason } from './errors.js';
export type { Authenticator } from '@actorwire/core';
export type { AuthOptions, TokenSource } from './options.js';
export type { HttpLikeRequest } from './sources.js';
export { HMAC_ALGORITHMS, ASYMMETRIC_ALGORITHMS } from './options.js';

/** The version this plugin is published under (its package.json). */
export const PLUGIN_VERSION = packageInfo(import.meta.url).version;

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function register(ctx: PluginContext, options: AuthOptions): void {
  const opts: ResolvedOptions = { ...options, issuer: list(options.issuer), audience: list(options.audience) };
  const log = ctx.logger;
  const warn = (msg: string, fields: Record<string, unknown> = {}) => log.warn(fields, msg);

  const keys: KeySource[] = [];
  if (opts.secret !== undefined) keys.push(secretSource(opts.secret, opts.algorithms.secret, warn));
  if (opts.publicKey !== undefined) keys.push(...pemSources(opts.publicKey, opts.algorithms.publicKey, warn));
  let jwks: RemoteKeySet | undefined;
  if (opts.jwksUrl !== undefined) {
    const source = jwksSource(opts.jwksUrl, opts.algorithms.jwks, opts.jwks);
    jwks = source.key;
    keys.push(source);
  }

  if (keys.length === 0) {
    if (opts.requireKey) {
      throw new KernelError(KernelErrors.CONFIG, 'plugin "auth": no key configured and JWT_REQUIRE_KEY is set: set JWT_SECRET, JWT_PUBLIC_KEY or JWKS_URL', 'JWT_SECRET');
    }
    const rt = createRuntime(opts, undefined, log, ctx.meter);
    log.warn(
      { mode: 'open', reason: 'missing_secret' },
      'OPEN MODE: no JWT_SECRET, JWT_PUBLIC_KEY or JWKS_URL configured — WebSocket sessions are anonymous and no token is verified (local development only)',
    );
    ctx.hooks.on('onUpgrade', openModeUpgradeHook(rt));
    defineAuthMessage(ctx.messages, ctx.sessions, rt, (route) => ctx.routes.wsRoutes().get(route));
    ctx.health('auth', () => ({ status: 'up', mode: 'open' }));
    return;
  }

  let jwksError: string | undefined;
  let jwksOk = false;
  const verifier = createVerifier({
    ...opts,
    keys,
    cache: opts.tokenCache,
    onJwks(ok, err?: AuthError) {
      if (ok) {
        jwksOk = true;
        jwksError = undefined;
      } else jwksError = err?.detail ?? 'cannot fetch the JWKS';
    },
  });
  const rt = createRuntime(opts, verifier, log, ctx.meter);
  const authenticator: Authenticator = createAuthenticator(rt);

  ctx.services.provide('authenticator', authenticator);
  ctx.hooks.on('onUpgrade', upgradeHook(rt));
  defineAuthMessage(ctx.messages, ctx.sessions, rt, (route) => ctx.routes.wsRoutes().get(route));

  ctx.health('auth', () => ({
    status: jwksError !== undefined ? 'degraded' : 'up',
    mode: 'jwt',
    keys: keys.map((k) => k.label),
    algorithms: verifier.algorithms,
    ...(jwks ? { jwks: { loaded: jwksOk, fresh: jwks.fresh, ...(jwksError !== undefined ? { error: jwksError } : {}) } } : {}),
  }));

  if (jwks) {
    const set = jwks;
    // Warm the cache without delaying startup; failures are logged and reported on /health.
    ctx.hooks.on('onReady', () => {
      set.reload().then(
        () => { jwksOk = true; jwksError = undefined; log.info({ keys: set.jwks()?.keys.length ?? 0 }, 'JWKS loaded'); },
        (err: unknown) => { jwksError = (err as Error)?.message ?? String(err); log.error({ reason: 'key_unavailable', detail: jwksError }, 'JWKS could not be loaded; tokens verified against it are refused until it can'); },
      );
    });
  }

  log.info(
    {
      keys: keys.map((k) => k.label),
      algorithms: verifier.algorithms,
      issuer: opts.issuer,
      audience: opts.audience,
      clockTolerance: opts.clockTolerance,
      sources: opts.sources,
      lateAuth: opts.lateAuth,
      defaultAuth: ctx.config.defaultAuth,
    },
    'JWT authentication enabled',
  );
}

const authPlugin = definePlugin<AuthOptions>({
  name: 'auth',
  version: PLUGIN_VERSION,
  kernel: '^0.2.0',
  // Provided only when a key is configured: in open mode there is no authenticator.
  provides: ['authenticator'],
  options: optionsSchema,
  optionsFromEnv,
  register,
});

export { authPlugin };
export default authPlugin;
