/** The real default: a backend that answers after 3.5 s is denied at 3 s. */
import t from 'tap';
import { server } from './support/helpers.js';
import { seedRules, startBackend } from './support/backend.js';

t.test('default 3 s backend timeout denies', async (t) => {
  const backend = await startBackend(seedRules);
  t.teardown(() => backend.close());
  const srv = await server({ auth: true, rooms: { backendUrl: backend.url } });
  t.teardown(() => srv.stop());
  const c = await srv.as({ sub: '2' });
  const started = Date.now();
  const f = await c.request({ type: 'subscribe', room: 'slow' }, 8000);
  const took = Date.now() - started;
  t.equal(f.type, 'error');
  t.equal(f.code, 'FORBIDDEN');
  t.ok(took >= 2950 && took < 3450, `denied at the 3 s timeout, before the 3.5 s answer (took ${took} ms)`);
});
