/**
 * Every variable the Go services document in their own setup steps is either applied — it changes
 * the kernel's configuration or some bundled plugin's options, as the server computes them — or
 * reported exactly once at startup. None is ignored without a word. (`WEBSOCKET_ENABLED=true`
 * asks for what is already so: nothing to apply, nothing to report.)
 */
import t from 'tap';
import { type Plugin } from '@actorwire/core';
import { effectiveEnv, loadConfig, withCompatEnv, type CompatEnvWarning } from '@actorwire/config';
import { BUNDLED } from '../src/plugins.js';

/** The Go services' documented variables, with a value as their docs give one. */
const GO_VARIABLES: ReadonlyArray<[string, string]> = [
  ['WEBSOCKET_ENABLED', 'false'],
  ['WEBSOCKET_HOST', '127.0.0.2'],
  ['WEBSOCKET_PORT', '8081'],
  ['WEBSOCKET_TIMEOUT', '30s'],
  ['WEBSOCKET_READ_BUFFER_SIZE', '1024'],
  ['WEBSOCKET_WRITE_BUFFER_SIZE', '1024'],
  ['WEBSOCKET_MAX_MESSAGE_SIZE', '4096'],
  ['WEBSOCKET_PING_INTERVAL', '50s'],
  ['WEBSOCKET_PONG_WAIT', '70s'],
  ['WEBSOCKET_WRITE_WAIT', '10s'],
  ['WEBSOCKET_LIMITS_MAX_CONNECTIONS', '500'],
  ['WEBSOCKET_LIMITS_MAX_CONNECTIONS_PER_ROOM', '50'],
  ['WEBSOCKET_DEFAULT_ENTITY', 'users'],
  ['WEBSOCKET_ALLOWED_ACTIONS', 'stats'],
  ['WS_DEFAULT_ENTITY', 'users'],
  ['WS_ALLOWED_ACTIONS', 'stats'],
  ['WS_ENTITY_TOPICS', 'restaurants:restaurants.changed'],
  ['REST_BASE_URL', 'http://127.0.0.1:9000'],
  ['REST_TIMEOUT', '5s'],
  ['JWT_SECRET', 'go-services-secret-0123456789-abcdefghijkl'],
  ['REDIS_ADDR', '127.0.0.1:6390'],
  ['REDIS_PASSWORD', 'secret'],
  ['BACKEND_URL', 'http://127.0.0.1:9001'],
];

const plugins: Plugin[] = await Promise.all([...BUNDLED.values()].map(async (name) => ((await import(name)) as { default: Plugin }).default));

/** What the server derives from an environment: the kernel's configuration and every plugin's options. */
function derived(env: NodeJS.ProcessEnv): string {
  const effective = effectiveEnv(env);
  return JSON.stringify({
    config: loadConfig({ env }),
    plugins: Object.fromEntries(plugins.map((p) => [p.name, p.optionsFromEnv?.(effective) ?? {}])),
  });
}

t.test('each Go variable is applied or reported once', async (t) => {
  const base = derived({});
  for (const [name, value] of GO_VARIABLES) {
    const warnings: CompatEnvWarning[] = [];
    withCompatEnv({ [name]: value }, (w) => warnings.push(w));
    const applied = derived({ [name]: value }) !== base;
    t.ok(applied !== (warnings.length === 1), `${name}=${value}: ${applied ? 'applied' : `${warnings.length} warning(s)`}`);
    if (!applied) t.equal(warnings.length, 1, `${name}: reported exactly once`);
  }
  const quiet: CompatEnvWarning[] = [];
  withCompatEnv({ WEBSOCKET_ENABLED: 'true' }, (w) => quiet.push(w));
  t.same([derived({ WEBSOCKET_ENABLED: 'true' }) === base, quiet.length], [true, 0], 'WEBSOCKET_ENABLED=true: already so, nothing to say');
});
