/**
 * Serves the notifications page: GET /notifications (HTML), GET /notifications/client/<file>.js
 * (the built @actorwire/client) and, only with NOTIFICATIONS_DEMO_TOKENS=1, GET
 * /notifications/token?user=<name> (a short-lived token for whoever asks: for trying it locally).
 * Load it on every instance next to auth + rooms + redis-pubsub; `serve.ts` starts two.
 */
import { definePlugin } from '@actorwire/core';
import { demoTokenRoute, serveClient, servePage } from '@actorwire/example-support';

export const notificationsPage = definePlugin({
  name: 'example-notifications',
  version: '0.1.0',
  kernel: '^0.2.0',
  dependsOn: ['rooms'],
  register(ctx) {
    servePage(ctx, '/notifications', new URL('./public/index.html', import.meta.url));
    serveClient(ctx, '/notifications/client');
    demoTokenRoute(ctx, '/notifications/token', { flag: 'NOTIFICATIONS_DEMO_TOKENS', ttl: 'NOTIFICATIONS_DEMO_TOKEN_TTL' });
  },
});

export default notificationsPage;
