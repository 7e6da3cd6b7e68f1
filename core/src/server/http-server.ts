/** The hyper-express app: kernel routes (/health, /metrics) and plugin HTTP routes. */
import HyperExpress from '#hyper-express';
import type { Logger } from 'pino';
import { isActorwireError } from '../errors.js';
import type { HttpRoute } from '../routes.js';

export function createHttpServer(opts: { maxBodySize: number }): HyperExpress.Server {
  // fast_abort off: a body over the limit is answered 413 (after it is read and discarded, never
  // kept), not cut off with a reset the client cannot tell from a crash.
  // auto_close off: hyper-express would otherwise close the server on SIGUSR1 (which only asks
  // Node to open its inspector), SIGUSR2, SIGINT and SIGTERM — abruptly, under the kernel's own
  // graceful drain. Shutdown is the kernel's (`stop()`, and the CLI's SIGTERM/SIGINT handlers).
  return new HyperExpress.Server({ max_body_length: opts.maxBodySize, fast_abort: false, auto_close: false });
}

export function mountHttpRoutes(app: HyperExpress.Server, routes: HttpRoute[], logger: Logger): void {
  for (const r of routes) {
    app[r.method](r.path, async (req, res) => {
      try {
        const out = await r.handler(req, res);
        if (!res.completed && out !== undefined) res.json(out as object);
      } catch (err) {
        if (res.completed) return;
        if (isActorwireError(err)) {
          res.status(err.status).json(err.body());
          return;
        }
        logger.error({ err, route: `${r.method.toUpperCase()} ${r.path}`, plugin: r.owner }, 'route handler failed');
        res.status(500).json({ error: 'internal server error', code: 'INTERNAL_ERROR' });
      }
    });
  }
  app.set_not_found_handler((_req, res) => {
    res.status(404).json({ error: 'not found', code: 'NOT_FOUND' });
  });
  app.set_error_handler((req, res, err) => {
    logger.error({ err, path: req.path }, 'http error');
    if (!res.completed) res.status(500).json({ error: 'internal server error', code: 'INTERNAL_ERROR' });
  });
}
