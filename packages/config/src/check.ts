/** A partial configuration merged over the defaults and validated: what `createKernel` runs on. */
import { KernelError, KernelErrors } from '@actorwire/errors';
import { createAjv } from '@actorwire/inputs';
import { configSchema, defaultConfig, type ActorwireConfig } from './schema.js';

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K] };

const validate = createAjv().compile(configSchema);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Merge `b` over `a` recursively (arrays and scalars replace). */
export function deepMerge<T>(a: T, b: unknown): T {
  if (!isPlainObject(a) || !isPlainObject(b)) return (b === undefined ? a : b) as T;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(out[k]) && isPlainObject(v) ? deepMerge(out[k], v) : v;
  }
  return out as T;
}

/** The defaults with `partial` merged over them, validated. */
export function resolveConfig(partial: DeepPartial<ActorwireConfig> | undefined, nameOf?: (path: string) => string): ActorwireConfig {
  return checkConfig(deepMerge(structuredClone(defaultConfig), partial), nameOf);
}

/**
 * Validate a complete config object. The error's subject is `nameOf(path)` — the environment
 * reader names the variable an operator set — or the JSON path itself.
 */
export function checkConfig(config: ActorwireConfig, nameOf: (path: string) => string = (path) => path): ActorwireConfig {
  if (!validate(config)) {
    const e = validate.errors![0]!;
    const where = e.instancePath || '/';
    if (e.keyword === 'additionalProperties') {
      // Name the unknown key itself, where it was written.
      const key = String((e.params as { additionalProperty?: unknown }).additionalProperty);
      const subject = nameOf(`${e.instancePath}/${key}`);
      throw new KernelError(KernelErrors.CONFIG, `invalid configuration ${subject}: unknown key "${key}"${e.instancePath ? ` in ${e.instancePath.slice(1).replaceAll('/', '.')}` : ' at the top level'}`, subject);
    }
    const subject = nameOf(where);
    throw new KernelError(KernelErrors.CONFIG, `invalid configuration ${subject}: ${e.message ?? 'invalid'}`, subject);
  }
  if ((config.tls.certFile === undefined) !== (config.tls.keyFile === undefined)) {
    const missing = nameOf(config.tls.certFile === undefined ? '/tls/certFile' : '/tls/keyFile');
    throw new KernelError(KernelErrors.CONFIG, `invalid configuration ${missing}: TLS needs both a certificate and its key`, missing);
  }
  const ws = config.websocket;
  if (ws.hardMaxMessageSize < ws.maxMessageSize) ws.hardMaxMessageSize = ws.maxMessageSize;
  if (ws.pongWait <= ws.pingInterval) {
    const subject = nameOf('/websocket/pongWait');
    throw new KernelError(KernelErrors.CONFIG, `invalid configuration ${subject}: must be greater than ${nameOf('/websocket/pingInterval')} (${ws.pongWait} <= ${ws.pingInterval} ms)`, subject);
  }
  return config;
}
