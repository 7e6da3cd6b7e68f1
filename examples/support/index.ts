/**
 * What the example pages share, as plugin helpers: a page read from disk, the built
 * @actorwire/client served next to it as ES modules (no build step for the page), and — only
 * when the example's flag variable is 1 — a token endpoint that signs a short-lived token for whoever asks,
 * for trying a token flow locally. A real app gets its tokens from its own login.
 */
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginContext } from '@actorwire/core';

/** The client package's built files (dist/), wherever npm put the package. */
const CLIENT_DIST = join(dirname(fileURLToPath(import.meta.resolve('@actorwire/client/package.json'))), 'dist');
const CLIENT_FILE = /^[a-z][a-z-]*\.js$/;

/** GET `path` → the HTML file (read per request: edits show without a restart). */
export function servePage(ctx: PluginContext, path: string, file: URL): void {
  ctx.routes.http('get', path, async (_req, res) => {
    res.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(await readFile(file));
  });
}

/** GET `<prefix>/<file>.js` → @actorwire/client's built modules (the page imports `<prefix>/index.js`). */
export function serveClient(ctx: PluginContext, prefix: string): void {
  ctx.routes.http('get', `${prefix}/:file`, async (req, res) => {
    const file = req.params.file ?? '';
    if (!CLIENT_FILE.test(file)) return res.status(404).json({ error: 'not found', code: 'NOT_FOUND' });
    const body = await readFile(join(CLIENT_DIST, file)).catch(() => undefined);
    if (!body) return res.status(404).json({ error: 'not found (is @actorwire/client built? npm run build)', code: 'NOT_FOUND' });
    res.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(body);
  });
}

const b64url = (v: string) => Buffer.from(v).toString('base64url');

/** An HS256 token for `user` valid `ttl` seconds (what a login endpoint would return). */
export function demoToken(secret: string, user: string, ttl: number, claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify({ ...claims, sub: user, iat: now, exp: now + ttl }))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/**
 * GET `path`?user=<name> → `{token, expires_in}`, only when the `flag` variable is 1 and JWT_SECRET
 * is set; the token lives `ttl` variable seconds (default 300) and carries `claims` besides `sub`.
 */
export function demoTokenRoute(ctx: PluginContext, path: string, vars: { flag: string; ttl: string }, claims: Record<string, unknown> = {}): void {
  const secret = process.env.JWT_SECRET;
  if (process.env[vars.flag] !== '1' || !secret) return;
  const ttl = Number(process.env[vars.ttl] ?? 300);
  ctx.logger.warn({ path, ttl }, `${path} hands a token to anyone who asks (${vars.flag}=1) — for trying the example only`);
  ctx.routes.http('get', path, async (req, res) => {
    const user = (req.query.user ?? '').trim();
    if (!/^[A-Za-z0-9_.-]{1,32}$/.test(user)) return res.status(400).json({ error: 'user: 1–32 of A-Z a-z 0-9 _ . -', code: 'INVALID_MESSAGE' });
    res.header('cache-control', 'no-store').json({ token: demoToken(secret, user, ttl, claims), expires_in: ttl });
  });
}
