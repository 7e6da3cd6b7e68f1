/** An authorization backend that is down: every subscribe is denied, but the log gets one line per kind of failure, not one per frame. */
import t from 'tap';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { server } from './support/helpers.js';

t.test('30 subscribes against an unreachable backend: 30 denials, one warning line', async (t) => {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, new Writable({ write(chunk, _e, cb) { for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l)); cb(); } }));
  const srv = await server({ auth: true, rooms: { backendUrl: 'http://127.0.0.1:9', backendTimeout: 500 }, logger, config: { logLevel: 'debug' } });
  t.teardown(() => srv.stop());
  const c = await srv.as({ sub: 'u1' });
  for (let i = 0; i < 30; i++) t.equal((await c.request({ type: 'subscribe', room: `room-${i}` })).code, 'FORBIDDEN');
  const warnings = lines.filter((l) => String(l.msg).startsWith('authorization backend: denied'));
  t.equal(warnings.length, 1, `one line for 30 failures (got ${warnings.length})`);
  t.match(String(warnings[0]!.reason), /request failed/);
});
