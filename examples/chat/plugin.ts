/**
 * Serves the chat page: GET /chat (HTML), GET /chat/client/<file>.js (the built @actorwire/client,
 * an ES module the page imports as it is — no build step), and, only when CHAT_DEMO_TOKENS=1,
 * GET /chat/token?user=<name>: a short-lived token signed with JWT_SECRET for whoever asks.
 * That last one is for trying the token flow on your machine; a real app gets its tokens from
 * its own login. Load it next to auth + rooms:
 *   ACTORWIRE_PLUGINS=auth,rooms,./examples/chat/plugin.ts npm start
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHmac } from 'node:crypto';
import { definePlugin, type PluginContext } from '@actorwire/core';

const asset = (name: string) => new URL(`./public/${name}`, import.meta.url);

/** The client package's built files (dist/), wherever npm put the package. */
const CLIENT_DIST = join(dirname(fileURLToPath(import.meta.resolve('@actorwire/client/package.json'))), 'dist');
const CLIENT_FILE = /^[a-z][a-z-]*\.js$/;

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

/** An HS256 token for `user`, valid `ttl` seconds (what a login endpoint would return). */
export function demoToken(secret: string, user: string, ttl: number): string {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify({ sub: user, iat: now, exp: now + ttl }))}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

function demoTokens(ctx: PluginContext): void {
  const secret = process.env.JWT_SECRET;
  if (process.env.CHAT_DEMO_TOKENS !== '1' || !secret) return;
  const ttl = Number(process.env.CHAT_DEMO_TOKEN_TTL ?? 300);
  ctx.logger.warn({ ttl }, 'chat example: GET /chat/token hands a token to anyone who asks (CHAT_DEMO_TOKENS=1) — for trying the example only');
  ctx.routes.http('get', '/chat/token', async (req, res) => {
    const user = (req.query_parameters.user ?? '').trim();
    if (!/^[A-Za-z0-9_.-]{1,32}$/.test(user)) return res.status(400).json({ error: 'user: 1–32 of A-Z a-z 0-9 _ . -', code: 'INVALID_MESSAGE' });
    res.header('cache-control', 'no-store').json({ token: demoToken(secret, user, ttl), expires_in: ttl });
  });
}

export const chatPage = definePlugin({
  name: 'example-chat',
  version: '0.2.0',
  kernel: '^0.1.0',
  dependsOn: ['rooms'],
  register(ctx) {
    // Read per request: the page is tiny and edits show up without a restart.
    ctx.routes.http('get', '/chat', async (_req, res) => {
      res.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(await readFile(asset('index.html')));
    });
    ctx.routes.http('get', '/chat/client/:file', async (req, res) => {
      const file = req.path_parameters.file ?? '';
      if (!CLIENT_FILE.test(file)) return res.status(404).json({ error: 'not found', code: 'NOT_FOUND' });
      const body = await readFile(join(CLIENT_DIST, file)).catch(() => undefined);
      if (!body) return res.status(404).json({ error: 'not found (is @actorwire/client built? npm run build)', code: 'NOT_FOUND' });
      res.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(body);
    });
    demoTokens(ctx);
    ctx.hooks.on('onReady', () => ctx.logger.info('chat example: open http://HOST:PORT/chat in two tabs'));
  },
});

export default chatPage;
