/** Backoff with full jitter, and the close-code table: what the client does after each code. */
import t from 'tap';
import { Backoff, CLOSE_BEHAVIOUR, closeBehaviour } from '../src/index.js';

t.test('backoff: ceilings double from baseDelay up to maxDelay; the delay is a random share of the ceiling', async (t) => {
  const top = new Backoff({ baseDelay: 100, maxDelay: 1000 }, () => 0.999999);
  t.same(Array.from({ length: 6 }, () => top.next()), [99, 199, 399, 799, 999, 999], 'near the ceiling each time, capped');
  const half = new Backoff({ baseDelay: 100, maxDelay: 1000 }, () => 0.5);
  t.same([half.next(), half.next(), half.next()], [50, 100, 200]);
  const zero = new Backoff({ baseDelay: 100, maxDelay: 1000 }, () => 0);
  t.equal(zero.next(), 0, 'full jitter reaches 0');
  t.equal(zero.next(5000), 5000, 'a floor (from the close code) wins');
  top.reset();
  t.equal(top.next(), 99, 'reset starts over');
  t.equal(top.attempts, 1);
  const huge = new Backoff({ baseDelay: 100, maxDelay: 30_000 }, () => 0.999999);
  for (let i = 0; i < 200; i++) huge.next();
  t.equal(huge.next(), 29_999, 'no overflow after many attempts');
});

t.test('backoff: delays of many clients spread over the whole window (no thundering herd)', async (t) => {
  const delays = Array.from({ length: 1000 }, () => new Backoff({ baseDelay: 1000, maxDelay: 30_000 }).next());
  const buckets = [0, 0, 0, 0];
  for (const d of delays) buckets[Math.min(3, Math.floor(d / 250))]!++;
  t.ok(buckets.every((n) => n > 150), `roughly uniform over [0, 1000): ${buckets.join(' / ')}`);
});

t.test('close codes: what the client does after each', async (t) => {
  const table = (code: number) => {
    const b = closeBehaviour(code);
    return [b.reconnect, b.newToken ?? false, b.minDelay ?? 0, b.immediate ?? false];
  };
  t.same(table(1000), [true, false, 0, false]);
  t.same(table(1001), [true, false, 0, false], 'heartbeat timeout: back with a backoff');
  t.same(table(1012), [true, false, 0, true], 'a draining instance: back at once (to another instance)');
  t.same(table(1006), [true, false, 0, false], 'connection lost');
  t.same(table(1013), [true, false, 5000, false], 'server full: later');
  t.same(table(4401), [true, true, 0, false], 'unauthorized: only with a token callback');
  t.same(table(4408), [true, true, 0, false]);
  t.same(table(4403), [false, false, 0, false], 'forbidden: terminal');
  t.same(table(4429), [true, false, 10_000, false], 'rate limited: back off longer');
  t.same(table(4999), [false, false, 0, false], 'an unknown application code: terminal');
  t.same(table(1015), [true, false, 0, false], 'an unknown protocol code: retried');
  for (const [code, b] of CLOSE_BEHAVIOUR) t.ok(b.meaning.length > 5, `${code} says what it means`);
});
