/**
 * Operator endpoints apart: with `metrics.port`, /metrics and /admin/* are served on a server of
 * their own (and answer 404 on the main port); with `metrics.token`, /metrics wants the token.
 * The environment names the variables.
 */
import t from 'tap';
import { get } from 'node:http';
import { definePlugin } from '../src/index.js';
import { loadConfig } from '@actorwire/config';
import { startTestServer } from '@actorwire/testing';

const TOKEN = 'scrape-token-0123456789abcdef';
const admin = definePlugin({
  name: 'admin-thing',
  version: '1.0.0',
  kernel: '^0.2.0',
  register(ctx) {
    ctx.routes.http('get', '/admin/thing', () => ({ ok: true }));
    ctx.routes.http('get', '/public/thing', () => ({ ok: true }));
  },
});

/** Over a new connection (fetch would reuse a kept-alive one). 0: refused. */
const freshStatus = (url: string) =>
  new Promise<number>((resolve) => {
    get(url, { agent: false }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', () => resolve(0));
  });
const status = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers }).then(async (r) => { await r.arrayBuffer(); return r.status; });

t.test('metrics.port: /metrics and /admin/* on their own server, not on the main port', async (t) => {
  const srv = await startTestServer({ plugins: [admin], config: { metrics: { port: 0, host: '127.0.0.1' } } });
  t.teardown(() => srv.stop());
  const ops = `http://127.0.0.1:${srv.kernel.metricsPort}`;
  t.ok(srv.kernel.metricsPort && srv.kernel.metricsPort !== srv.port, 'a port of its own');
  t.equal(await status(`${ops}/metrics`), 200);
  t.equal(await status(`${ops}/admin/thing`), 200);
  t.equal(await status(`${ops}/health`), 200, '/health on both');
  t.equal(await status(`${ops}/public/thing`), 404, 'other routes stay on the main port');
  t.equal(await status(`${srv.httpBase}/metrics`), 404, 'not on the main port');
  t.equal(await status(`${srv.httpBase}/admin/thing`), 404);
  t.equal(await status(`${srv.httpBase}/public/thing`), 200);
  t.equal(await status(`${srv.httpBase}/health`), 200);
  await srv.stop();
  t.equal(await freshStatus(`${ops}/metrics`), 0, 'stopped with the kernel: a new connection is refused');
});

t.test('metrics.token: /metrics wants Authorization: Bearer <token>', async (t) => {
  const srv = await startTestServer({ config: { metrics: { host: '127.0.0.1', token: TOKEN } } });
  t.teardown(() => srv.stop());
  t.equal(await status(`${srv.httpBase}/metrics`), 401, 'no token');
  t.equal(await status(`${srv.httpBase}/metrics`, { authorization: `Bearer ${TOKEN}x` }), 401, 'wrong token');
  t.equal(await status(`${srv.httpBase}/metrics`, { authorization: TOKEN }), 401, 'not a bearer header');
  t.equal(await status(`${srv.httpBase}/metrics`, { authorization: `Bearer ${TOKEN}` }), 200);
  t.equal(await status(`${srv.httpBase}/health`), 200, '/health stays open (load balancers)');
});

t.test('from the environment, with clear errors', async (t) => {
  const c = loadConfig({ env: { ACTORWIRE_METRICS_PORT: '9464', ACTORWIRE_METRICS_HOST: '0.0.0.0', ACTORWIRE_METRICS_TOKEN: TOKEN } });
  t.same(c.metrics, { port: 9464, host: '0.0.0.0', token: TOKEN });
  t.same(loadConfig({ env: {} }).metrics, { host: '127.0.0.1' }, 'off by default: served on the main port');
  t.throws(() => loadConfig({ env: { ACTORWIRE_METRICS_PORT: 'nine' } }), /ACTORWIRE_METRICS_PORT/);
  t.throws(() => loadConfig({ env: { ACTORWIRE_METRICS_TOKEN: 'short' } }), /ACTORWIRE_METRICS_TOKEN/);
});
