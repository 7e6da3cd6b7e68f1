/** A client sending bad tokens in a loop: one warning line per interval, and the failure close in every mode. */
import t from 'tap';
import { LogLimiter } from '@actorwire/core';
import { SECRET, captureLogger, startAuth } from './fixtures/helpers.js';

t.test('40 refused auth messages from one client: one warning line', async (t) => {
  const log = captureLogger();
  const srv = await startAuth({ secret: SECRET, lateAuth: true, maxAuthFailures: 50 }, { logger: log.logger, config: { logLevel: 'debug', websocket: { authTimeout: 30_000 } } });
  t.teardown(() => srv.stop());
  const c = await srv.connect('/ws', { awaitConnected: true });
  for (let i = 0; i < 40; i++) {
    const r = await c.request({ type: 'auth', token: 'not.a.jwt' });
    t.equal(r.code, 'UNAUTHORIZED');
  }
  const refusals = log.lines().filter((l) => String(l.msg).startsWith('authentication refused'));
  t.equal(refusals.length, 1, `one line for 40 refusals (got ${refusals.length})`);
  t.equal(refusals[0]!.reason, 'malformed');
});

t.test('open mode: auth messages count toward the failure close too', async (t) => {
  const srv = await startAuth({ maxAuthFailures: 3 }, { config: { defaultAuth: 'optional' } });
  t.teardown(() => srv.stop());
  const c = await srv.connect('/ws');
  for (let i = 0; i < 2; i++) t.equal((await c.request({ type: 'auth', token: 'x.y.z' })).reason, 'missing_secret');
  c.send({ type: 'auth', token: 'x.y.z' });
  const code = await new Promise<number | string>((resolve) => {
    c.ws.once('close', (cc: number) => resolve(cc));
    setTimeout(() => resolve('still open after 5 s'), 5000).unref();
  });
  t.equal(code, 4401, 'closed after the third');
});

t.test('LogLimiter: the first line at once, the count at the end of the interval, quiet keys forgotten', async (t) => {
  const lines: Array<[Record<string, unknown>, string]> = [];
  const sink = { warn: (f: Record<string, unknown>, m: string) => lines.push([f, m]), info: () => undefined, error: () => undefined };
  const limiter = new LogLimiter(sink as never, 60_000, 2);
  for (let i = 0; i < 5; i++) limiter.warn('a', { i }, 'bad a');
  limiter.warn('b', {}, 'bad b');
  limiter.warn('c', {}, 'bad c'); // beyond maxKeys (2): c and d share one overflow key
  limiter.warn('d', {}, 'bad d');
  t.same(lines.map(([, m]) => m), ['bad a', 'bad b', 'bad c'], 'first occurrences only');
  limiter.flush();
  t.same(lines.slice(3).map(([f, m]) => [m, f.repeated]), [['bad a (repeated)', 4], ['bad c (repeated)', 1]], 'the counts of what was held back; b was quiet');
  limiter.warn('a', {}, 'bad a');
  t.equal(lines.at(-1)![1], 'bad a', 'a new interval logs again at once');
  limiter.stop();
});
