/** The input guard on its own: every refusal reason, counted and logged, nothing thrown past it. */
import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LogLimiter } from '@actorwire/telemetry';
import { pino } from 'pino';
import {
  InputGuard, InputRefused, MAX_JSON_DEPTH, checkUntrustedText, nestedDeeperThan, parseUntrustedJson, readBoundedBody,
  textNestedDeeperThan, utf8LengthOver, type InputRefusal,
} from '../src/index.js';

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

function reasonOf(fn: () => unknown): InputRefusal | 'none' {
  try {
    fn();
    return 'none';
  } catch (err) {
    if (err instanceof InputRefused) return err.reason;
    throw err;
  }
}

t.test('depth is measured on the text, strings and escapes skipped', async (t) => {
  t.equal(textNestedDeeperThan(deep(MAX_JSON_DEPTH), MAX_JSON_DEPTH), false, 'exactly the limit passes');
  t.equal(textNestedDeeperThan(deep(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH), true, 'one more level is refused');
  const quoted = JSON.stringify({ s: '[[[[[[[[[[\\"[[[[[[' });
  t.equal(textNestedDeeperThan(quoted, 2), false, 'brackets inside a string (with an escaped quote) do not count');
  t.equal(nestedDeeperThan(Buffer.from(quoted), 2), false, 'the byte scan agrees');
  t.equal(nestedDeeperThan(Buffer.from(deep(5)), 4), true);
});

t.test('size is UTF-8 bytes, not characters', async (t) => {
  t.equal(utf8LengthOver('é'.repeat(6), 11), true, '6 characters, 12 bytes');
  t.equal(utf8LengthOver('é'.repeat(6), 12), false);
  t.equal(reasonOf(() => checkUntrustedText('x'.repeat(11), { maxBytes: 10 })), 'too_large');
  t.equal(reasonOf(() => checkUntrustedText(Buffer.alloc(11), { maxBytes: 10 })), 'too_large', 'bytes too');
});

t.test('parseUntrustedJson refuses with a stable reason and never overflows the stack', async (t) => {
  const limits = { maxBytes: 1_000_000 };
  t.equal(reasonOf(() => parseUntrustedJson(deep(100_000), limits)), 'too_deep', 'a 100,000-deep array is refused before parsing');
  t.equal(reasonOf(() => parseUntrustedJson('{"a":', limits)), 'invalid_json');
  t.equal(reasonOf(() => parseUntrustedJson(deep(10), { maxBytes: 100, maxDepth: 5 })), 'too_deep', 'a caller-chosen depth');
  t.same(parseUntrustedJson(Buffer.from('{"a":[1,2]}'), limits), { a: [1, 2] }, 'bytes parse like text');
});

t.test('a guard counts and logs each refusal by source and reason, and throws nothing', async (t) => {
  const counted: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const guard = new InputGuard('redis', { maxBytes: 64, maxDepth: 4 }, { refused: (source, reason) => counted.push(`${source}:${reason}`), log: new LogLimiter(logger) });

  t.same(guard.object('{"ok":true}'), { ok: true });
  t.equal(guard.object('[1]', { channel: 'c1' }), undefined, 'an array is not an object');
  t.equal(guard.json('x'.repeat(65)), undefined);
  t.equal(guard.json(deep(5)), undefined);
  t.equal(guard.json('nope'), undefined);
  t.equal(guard.text('{"fine":1}'), true);
  const handler = guard.shield((v: string) => {
    if (v === 'boom') throw new Error('driver blew up');
  }, (v) => ({ value: v }));
  t.doesNotThrow(() => handler('boom'), 'shield keeps a throw out of the caller');
  handler('calm');
  t.same(counted, ['redis:not_object', 'redis:too_large', 'redis:too_deep', 'redis:invalid_json', 'redis:failed']);
  t.equal(lines[0]?.source, 'redis');
  t.equal(lines[0]?.reason, 'not_object');
  t.equal(lines[0]?.channel, 'c1', 'the caller context is logged');
  t.equal(lines.find((l) => l.reason === 'failed')?.value, 'boom', 'shield logs its context');
});

t.test('readBoundedBody stops at the limit, declared or streamed', async (t) => {
  const server = createServer((req, res) => {
    if (req.url === '/declared') {
      res.writeHead(200, { 'content-length': '5000' });
      res.end('y'.repeat(5000));
    } else if (req.url === '/streamed') {
      res.writeHead(200); // chunked: no length declared
      for (let i = 0; i < 10; i++) res.write('z'.repeat(1000));
      res.end();
    } else res.end('small');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.equal(await readBoundedBody(await fetch(`${base}/`), 100), 'small');
  const refusal = (p: Promise<unknown>) => p.then(() => 'read', (err: unknown) => (err instanceof InputRefused ? err.reason : String(err)));
  t.equal(await refusal(readBoundedBody(await fetch(`${base}/declared`), 1000)), 'too_large', 'a declared excess');
  t.equal(await refusal(readBoundedBody(await fetch(`${base}/streamed`), 2500)), 'too_large', 'a streamed excess');
});
