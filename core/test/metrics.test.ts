/**
 * /metrics: process and runtime metrics next to the kernel's, each plugin's instruments under its
 * own instrumentation scope, and the whole exposition valid for Prometheus (`promtool check
 * metrics`, from Debian's prometheus package; .ci/run installs it).
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { definePlugin } from '../src/index.js';
import { startTestServer } from '@actorwire/testing';

const counting = definePlugin({
  name: 'counting',
  version: '2.1.0',
  kernel: '^0.2.0',
  register(ctx) {
    let n = 0;
    ctx.meter.createObservableCounter('counting_things', { description: 'Things counted by a plugin' }).addCallback((r) => r.observe(++n));
  },
});

t.test('runtime metrics, plugin scopes, and a valid exposition', async (t) => {
  const srv = await startTestServer({ plugins: [counting] });
  t.teardown(() => srv.stop());
  const c = await srv.connect('/ws');
  await c.request({ type: 'ping' });
  // One fan-out reaching one socket: the session's own user topic is not used; a kernel broadcast to the one session is.
  const bus = srv.kernel.services.get('bus');
  bus.publish(bus.broadcastTopic, { type: 'notification', event: 'hello' });
  await c.next('notification');
  // Garbage until a GC pause has been observed (the observer hears of pauses asynchronously).
  const scrape = () => fetch(`${srv.httpBase}/metrics`).then((r) => r.text());
  let text = await scrape();
  for (let round = 0; round < 100 && !/^v8js_gc_duration_count\{/m.test(text); round++) {
    let junk: unknown[] = [];
    for (let i = 0; i < 100_000; i++) junk.push({ i, s: `x${i}` });
    junk = [];
    await new Promise((r) => setTimeout(r, 20));
    text = await scrape();
  }

  t.match(text, /^process_cpu_time_total\{cpu_mode="user",otel_scope_name="@actorwire\/core\/runtime"\} [\d.]+$/m, 'CPU time');
  t.match(text, /^process_memory_usage\{[^}]*\} [1-9]\d+$/m, 'resident memory');
  t.match(text, /^v8js_memory_heap_used\{v8js_heap_space_name="old_space",[^}]*\} [1-9]\d+$/m, 'heap by space');
  t.match(text, /^nodejs_eventloop_delay\{statistic="p99",[^}]*\} [\d.e-]+$/m, 'event-loop delay');
  t.match(text, /^v8js_gc_duration_count\{v8js_gc_type="\w+",[^}]*\} [1-9]\d*$/m, 'GC pauses');
  t.match(text, /^actorwire_connections\{otel_scope_name="@actorwire\/core"\} 1$/m, 'the kernel\'s own under @actorwire/core');
  // Handling time and fan-out: histograms with cumulative buckets (the ping above, the publish below).
  t.match(text, /^actorwire_message_handling_seconds_bucket\{type="ping",otel_scope_name="@actorwire\/core",le="\+Inf"\} 1$/m, 'the ping was timed');
  t.match(text, /^actorwire_message_handling_seconds_count\{type="ping",[^}]*\} 1$/m);
  const sum = Number(/^actorwire_message_handling_seconds_sum\{type="ping",[^}]*\} (\S+)$/m.exec(text)?.[1]);
  t.ok(sum > 0 && sum < 1, `a handling time in seconds (${sum})`);
  t.match(text, /^actorwire_fanout_receivers_bucket\{otel_scope_name="@actorwire\/core",le="1"\} 1$/m, 'one fan-out to one socket');
  t.match(text, /^actorwire_fanout_receivers_bucket\{otel_scope_name="@actorwire\/core",le="2"\} 1$/m, 'buckets are cumulative');
  t.match(text, /^counting_things_total\{otel_scope_name="counting",otel_scope_version="2\.1\.0"\} \d+$/m, 'a plugin\'s under its own name and version');

  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (check.error) throw new Error(`promtool is needed for this test (apt-get install prometheus; .ci/run installs it): ${check.error.message}`);
  t.equal(check.status, 0, `promtool check metrics: ${(check.stdout + check.stderr).trim() || 'ok'}`);
});
