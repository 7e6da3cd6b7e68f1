/** @wirestate/core — the public API. Plugins import from here and nowhere else in the kernel. */
export { createKernel, type Kernel, type KernelOptions } from './kernel.js';
export { definePlugin, isPlugin } from './plugin/define.js';
export { KERNEL_VERSION } from './version.js';
export {
  WirestateError, KernelError, KernelErrors, ProtocolErrors, CloseCodes, protocolError,
  type ProtocolErrorCode, type CloseCode,
} from './errors.js';
export { loadConfig, type LoadConfigOptions, type DeepPartial } from './config/load.js';
export { defaultConfig, type WirestateConfig, type WebSocketConfig, type RateLimitConfig } from './config/schema.js';
export { envString, envInt, envBool, envList, envEnum, envUrl, envDuration, parseDuration } from './config/env.js';
export { readJsonBody } from './server/http-server.js';
export { compilePattern } from './topics.js';
export { createAjv, describeErrors } from './validation.js';
export type * from './types.js';
