/**
 * Serves the chat page: GET /chat (HTML), GET /chat/client/<file>.js (the built @actorwire/client,
 * an ES module the page imports as it is — no build step), and, only when CHAT_DEMO_TOKENS=1,
 * GET /chat/token?user=<name>: a short-lived token signed with JWT_SECRET for whoever asks (for
 * trying the token flow on your machine; a real app gets its tokens from its own login).
 * Load it next to auth + rooms:
 *   ROOMS_PRESENCE_EVENTS='*' ACTORWIRE_PLUGINS=auth,rooms,./examples/chat/plugin.ts npm start
 */
import { definePlugin } from '@actorwire/core';
import { demoTokenRoute, serveClient, servePage } from '@actorwire/example-support';

export const chatPage = definePlugin({
  name: 'example-chat',
  version: '0.2.0',
  kernel: '^0.2.0',
  dependsOn: ['rooms'],
  register(ctx) {
    servePage(ctx, '/chat', new URL('./public/index.html', import.meta.url));
    serveClient(ctx, '/chat/client');
    demoTokenRoute(ctx, '/chat/token', { flag: 'CHAT_DEMO_TOKENS', ttl: 'CHAT_DEMO_TOKEN_TTL' });
    ctx.hooks.on('onReady', () => ctx.logger.info('chat example: open http://HOST:PORT/chat in two tabs'));
  },
});

export default chatPage;
