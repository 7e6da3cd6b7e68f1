/**
 * The Go realtime module's guide spells the entity settings two ways: `WS_DEFAULT_ENTITY` /
 * `WS_ALLOWED_ACTIONS` in its list of variables, `WEBSOCKET_DEFAULT_ENTITY` /
 * `WEBSOCKET_ALLOWED_ACTIONS` in its "add an entity" steps. Both reach the plugin's options (through
 * the compatibility aliases every server applies first); when both are set the WS_ name wins and
 * the other is reported once.
 */
import t from 'tap';
import { withCompatEnv, type CompatEnvWarning } from '@actorwire/config';
import snapshots from '../src/index.js';

const optionsOf = (env: NodeJS.ProcessEnv, warn: (w: CompatEnvWarning) => void) => snapshots.optionsFromEnv!(withCompatEnv(env, warn));

t.test("the guide's WEBSOCKET_* spellings set the entity options", async (t) => {
  const warnings: CompatEnvWarning[] = [];
  const o = optionsOf({ WEBSOCKET_DEFAULT_ENTITY: 'Users', WEBSOCKET_ALLOWED_ACTIONS: 'stats,events' }, (w) => warnings.push(w));
  t.equal(o.defaultEntity, 'users', 'WEBSOCKET_DEFAULT_ENTITY is the fallback entity of /ws/section/:id');
  t.same(o.allowedActions, ['stats', 'events'], 'WEBSOCKET_ALLOWED_ACTIONS adds action topics');
  t.same(warnings, [], 'applied without a word');
});

t.test('with both spellings the WS_ one wins, and the other is reported', async (t) => {
  const warnings: CompatEnvWarning[] = [];
  const o = optionsOf({ WEBSOCKET_DEFAULT_ENTITY: 'users', WS_DEFAULT_ENTITY: 'restaurants', WEBSOCKET_ALLOWED_ACTIONS: 'stats', WS_ALLOWED_ACTIONS: 'stats' }, (w) => warnings.push(w));
  t.equal(o.defaultEntity, 'restaurants');
  t.same(o.allowedActions, ['stats']);
  t.same(warnings.map((w) => w.name), ['WEBSOCKET_DEFAULT_ENTITY'], 'one warning, for the value that lost (equal values are no conflict)');
  t.match(warnings[0]!.text, /WEBSOCKET_DEFAULT_ENTITY=users is ignored because WS_DEFAULT_ENTITY=restaurants is set/);
});
