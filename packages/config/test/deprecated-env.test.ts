/** The pre-rename WIRESTATE_* variables map to ACTORWIRE_* for one release, with a warning. */
import t from 'tap';
import { loadConfig, withDeprecatedEnv, type DeprecatedEnvWarning } from '../src/index.js';

t.test('an old variable is copied to its new name when that is unset', async (t) => {
  const warnings: DeprecatedEnvWarning[] = [];
  const env = { WIRESTATE_RATE_LIMIT: '7', PORT: '1' };
  const out = withDeprecatedEnv(env, (w) => warnings.push(w));
  t.equal(out.ACTORWIRE_RATE_LIMIT, '7');
  t.equal(env.hasOwnProperty('ACTORWIRE_RATE_LIMIT'), false, 'the given environment is not changed');
  t.same(warnings, [{ old: 'WIRESTATE_RATE_LIMIT', replacement: 'ACTORWIRE_RATE_LIMIT', applied: true }]);
});

t.test('the new name wins when both are set, and the old one is reported as ignored', async (t) => {
  const warnings: DeprecatedEnvWarning[] = [];
  const out = withDeprecatedEnv({ WIRESTATE_RATE_LIMIT: '7', ACTORWIRE_RATE_LIMIT: '9' }, (w) => warnings.push(w));
  t.equal(out.ACTORWIRE_RATE_LIMIT, '9');
  t.same(warnings, [{ old: 'WIRESTATE_RATE_LIMIT', replacement: 'ACTORWIRE_RATE_LIMIT', applied: false }]);
});

t.test('without old variables the environment is returned as it is, silently', async (t) => {
  const env = { ACTORWIRE_RATE_LIMIT: '3' };
  let warned = false;
  t.equal(withDeprecatedEnv(env, () => { warned = true; }), env);
  t.notOk(warned);
});

t.test('loadConfig honours the old names and emits one DeprecationWarning per variable', async (t) => {
  const seen: Error[] = [];
  const onWarning = (w: Error) => seen.push(w);
  process.on('warning', onWarning);
  t.teardown(() => process.off('warning', onWarning));
  const config = loadConfig({ env: { WIRESTATE_RATE_LIMIT_BURST: '17' } });
  loadConfig({ env: { WIRESTATE_RATE_LIMIT_BURST: '17' } });
  t.equal(config.websocket.rateLimit.burst, 17);
  await new Promise((r) => setImmediate(r));
  const ours = seen.filter((w) => (w as Error & { code?: string }).code === 'ACTORWIRE_DEP_ENV');
  t.equal(ours.length, 1, 'warned once');
  t.match(ours[0]!.message, /WIRESTATE_RATE_LIMIT_BURST is deprecated .* use ACTORWIRE_RATE_LIMIT_BURST/);
  t.equal(ours[0]!.name, 'DeprecationWarning');
});
