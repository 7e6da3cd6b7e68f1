/**
 * A tiny TEST-ONLY stand-in for @actorwire/plugin-auth (JWT), with the same container
 * contract: `authenticator` = { verify(token), authenticateHttp(req, {roles}) }, and an
 * `onUpgrade` hook that attaches the identity of `?token=` / `Authorization: Bearer`.
 * Tokens are `test.<base64url(JSON claims)>` — unsigned, never use outside tests.
 */
import { definePlugin, protocolError, type Authenticator, type Identity } from '@actorwire/core';

export interface Claims {
  sub?: string;
  user_id?: string;
  role?: string;
  seller_id?: string;
  [k: string]: unknown;
}

export function token(claims: Claims): string {
  return `test.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
}

export async function verify(tok: string): Promise<Identity> {
  if (!tok.startsWith('test.')) throw protocolError('UNAUTHORIZED', 'invalid token', { closeCode: 4401 });
  let claims: Claims;
  try {
    claims = JSON.parse(Buffer.from(tok.slice(5), 'base64url').toString('utf8')) as Claims;
  } catch {
    throw protocolError('UNAUTHORIZED', 'invalid token', { closeCode: 4401 });
  }
  const userId = claims.sub ?? claims.user_id;
  if (typeof userId !== 'string' || userId === '') throw protocolError('UNAUTHORIZED', 'invalid token', { closeCode: 4401 });
  return { userId, role: claims.role, claims };
}


export const testAuth = (opts: { allowLateAuth?: boolean } = {}) =>
  definePlugin({
    name: 'test-auth',
    version: '0.0.0',
    kernel: '^0.2.0',
    provides: ['authenticator'],
    register(ctx) {
      const authenticator: Authenticator = {
        verify,
        algorithms: ['none'],
        credentialOf: () => undefined,
        tokenFromHttp: (req) => {
          const h = req.headers.authorization;
          return typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7) : undefined;
        },
        async authenticateHttp(req, o: { roles?: readonly string[] } = {}): Promise<Identity> {
          const h = req.headers.authorization;
          if (typeof h !== 'string' || !h.startsWith('Bearer ')) throw protocolError('UNAUTHORIZED');
          const id = await verify(h.slice(7));
          if (o.roles && o.roles.length > 0 && !o.roles.includes(id.role ?? '')) throw protocolError('FORBIDDEN', 'insufficient role');
          return id;
        },
      };
      ctx.services.provide('authenticator', authenticator);
      ctx.hooks.on('onUpgrade', async (req) => {
        const h = req.headers.authorization;
        const tok = h?.startsWith('Bearer ') ? h.slice(7) : req.query.get('token') ?? undefined;
        if (tok) {
          req.identity = await verify(tok);
          return;
        }
        if (req.authMode === 'required' && !opts.allowLateAuth) req.reject(401, { error: 'authentication required', code: 'UNAUTHORIZED' });
      });
    },
  });
