/** @actorwire/core — the public API. Plugins import from here and nowhere else in the kernel. */
export { createKernel, type Kernel, type KernelOptions } from './kernel.js';
export { definePlugin, isPlugin } from './plugin/define.js';
export { KERNEL_VERSION } from './version.js';
export { packageInfo, type PackageInfo } from './util/package-info.js';
export { loadPlugin, pluginEntry, type LoadPluginOptions } from './plugin/load.js';
export {
  ActorwireError, KernelError, KernelErrors, ProtocolErrors, CloseCodes, protocolError, isActorwireError, isKernelError,
  type ProtocolErrorCode, type CloseCode,
} from '@actorwire/errors';
export { resolveConfig, checkConfig, deepMerge, defaultConfig, type DeepPartial, type ActorwireConfig, type WebSocketConfig, type RateLimitConfig } from '@actorwire/config';
export { OTLP_PROTOCOLS, SAMPLERS, tracesUrl, type OtelConfig, type OtlpProtocol, type SamplerName } from '@actorwire/telemetry';
export { TimerWheel, ManualClock, type TimerClock, type WheelTimer } from '@actorwire/actors';
export { readClaim, claimAsId, hasAnyRole } from './util/identity.js';
export { LogLimiter } from '@actorwire/telemetry';
export {
  InputGuard, InputRefused, MAX_JSON_DEPTH, parseUntrustedJson, checkUntrustedText, isPlainObject, readBoundedBody,
  type InputLimits, type InputRefusal, type InputGuardSink,
} from '@actorwire/inputs';
export { HookFailure } from './registries/hooks.js';
export { readJsonBody } from './server/json-body.js';
export { compilePattern } from './registries/topics.js';
export { streamPositionSchema } from './broker/stream-position.js';
export { createAjv, describeErrors } from '@actorwire/inputs';
export type * from './types.js';
