/**
 * @actorwire/config — Actorwire's configuration: its shape, defaults and validation, and reading
 * it from the environment and a config file. The kernel takes a configuration object; this
 * package is where the variables an operator sets become one, and where plugins read their own
 * variables with the same parsing and the same errors.
 */
export { defaultConfig, configSchema, type ActorwireConfig, type WebSocketConfig, type RateLimitConfig } from './schema.js';
export { resolveConfig, checkConfig, deepMerge, type DeepPartial } from './check.js';
export { loadConfig, configFromEnv, readConfigFile, effectiveEnv, DURATION_PATHS, SIZE_PATHS, type ConfigFile, type LoadConfigOptions } from './load.js';
export { envNames } from './names.js';
export { envString, envInt, envBool, envList, envPairs, envEnum, envUrl, envDuration, envSize, parseDuration, parseSize } from './env.js';
export { otelFromEnv, parseOtelPairs } from './otel-env.js';
export { withCompatEnv, COMPAT_ALIASES, COMPAT_IGNORED, type CompatEnvWarning } from './compat-env.js';
export { withDeprecatedEnv, type DeprecatedEnvWarning } from './deprecated-env.js';
