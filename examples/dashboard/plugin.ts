/**
 * Serves the restaurant dashboard: GET /dashboard (HTML), GET /dashboard/client/<file>.js (the built
 * @actorwire/client) and, only with DASHBOARD_DEMO_TOKENS=1, GET /dashboard/token?user=<name> (a
 * short-lived token of an owner of restaurant r1, for whoever asks: for trying it locally).
 * Load it next to auth + rooms + kafka + snapshots + analytics; `serve.ts` does all of it.
 */
import { definePlugin } from '@actorwire/core';
import { demoTokenRoute, serveClient, servePage } from '@actorwire/example-support';

export const dashboardPage = definePlugin({
  name: 'example-dashboard',
  version: '0.1.0',
  kernel: '^0.2.0',
  dependsOn: ['snapshots', 'analytics'],
  register(ctx) {
    servePage(ctx, '/dashboard', new URL('./public/index.html', import.meta.url));
    serveClient(ctx, '/dashboard/client');
    demoTokenRoute(ctx, '/dashboard/token', { flag: 'DASHBOARD_DEMO_TOKENS', ttl: 'DASHBOARD_DEMO_TOKEN_TTL' }, { restaurant_id: process.env.DASHBOARD_RESTAURANT ?? 'r1', role: 'owner' });
  },
});

export default dashboardPage;
