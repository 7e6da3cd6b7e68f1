/**
 * Typed readers of environment variables. Each throws a KernelError naming the variable,
 * so a bad value stops startup with a message an operator can act on.
 */
import { KernelError, KernelErrors } from '@actorwire/errors';

type Env = NodeJS.ProcessEnv;

function fail(name: string, value: string, expected: string): never {
  throw new KernelError(KernelErrors.CONFIG, `invalid ${name}=${JSON.stringify(value)}: expected ${expected}`, name);
}

function raw(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

export function envString(env: Env, name: string): string | undefined {
  return raw(env, name);
}

export function envInt(env: Env, name: string, opts: { min?: number; max?: number } = {}): number | undefined {
  const v = raw(env, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) fail(name, v, 'an integer');
  const n = Number(v);
  if (opts.min !== undefined && n < opts.min) fail(name, v, `an integer >= ${opts.min}`);
  if (opts.max !== undefined && n > opts.max) fail(name, v, `an integer <= ${opts.max}`);
  return n;
}

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parse a duration to milliseconds: `54s`, `500ms`, `1m30s`, `2h`, or a bare integer of milliseconds. */
export function parseDuration(text: string): number | undefined {
  const v = text.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(v); m; m = re.exec(v)) {
    total += Number(m[1]) * units[m[2]!]!;
    matched = re.lastIndex;
  }
  return matched === v.length && matched > 0 ? Math.round(total) : undefined;
}

export function envDuration(env: Env, name: string, opts: { min?: number } = {}): number | undefined {
  const v = raw(env, name);
  if (v === undefined) return undefined;
  const ms = parseDuration(v);
  if (ms === undefined) fail(name, v, 'a duration such as 54s, 500ms, 1m or a number of milliseconds');
  if (opts.min !== undefined && ms < opts.min) fail(name, v, `a duration of at least ${opts.min} ms`);
  return ms;
}

const sizeUnits: Record<string, number> = { b: 1, kb: 1024, kib: 1024, k: 1024, mb: 1024 ** 2, mib: 1024 ** 2, m: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3, g: 1024 ** 3 };

/** Parse a size to bytes: `512KB`, `1MiB`, `4 MB`, `64k` (binary units), or a bare integer of bytes. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = m[2]!.toLowerCase();
  if (unit === '' && !/^\d+$/.test(m[1]!)) return undefined;
  const factor = unit === '' ? 1 : sizeUnits[unit];
  return factor === undefined ? undefined : Math.round(Number(m[1]) * factor);
}

/** An integer of bytes, or a size with a unit (`512KB`, `1MiB`). */
export function envSize(env: Env, name: string, opts: { min?: number } = {}): number | undefined {
  const v = raw(env, name);
  if (v === undefined) return undefined;
  const n = parseSize(v);
  if (n === undefined) fail(name, v, 'a size such as 65536, 512KB or 1MiB');
  if (opts.min !== undefined && n < opts.min) fail(name, v, `a size of at least ${opts.min} bytes`);
  return n;
}

export function envBool(env: Env, name: string): boolean | undefined {
  const v = raw(env, name);
  if (v === undefined) return undefined;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  return fail(name, v, 'true or false');
}

/** Comma-separated list, trimmed, empty items dropped. */
export function envList(env: Env, name: string): string[] | undefined {
  const v = raw(env, name);
  if (v === undefined) return undefined;
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * Comma-separated `key<sep>value` pairs (`alias:entity,…`), both sides trimmed and lower-cased
 * unless `keepCase`; a null-prototype record. `shape` names the expected form in the error.
 */
export function envPairs(env: Env, name: string, shape: string, opts: { sep?: string; keepCase?: boolean } = {}): Record<string, string> | undefined {
  const list = envList(env, name);
  if (list === undefined) return undefined;
  const sep = opts.sep ?? ':';
  const out: Record<string, string> = Object.create(null);
  for (const item of list) {
    const i = item.indexOf(sep);
    if (i <= 0 || i === item.length - 1) fail(name, item, shape);
    const k = item.slice(0, i).trim();
    const v = item.slice(i + sep.length).trim();
    if (opts.keepCase) out[k] = v;
    else out[k.toLowerCase()] = v.toLowerCase();
  }
  return out;
}

export function envEnum<T extends string>(env: Env, name: string, allowed: readonly T[]): T | undefined {
  const v = raw(env, name);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) fail(name, v, `one of ${allowed.join(', ')}`);
  return v as T;
}

export function envUrl(env: Env, name: string): string | undefined {
  const v = raw(env, name);
  if (v === undefined) return undefined;
  try {
    new URL(v);
  } catch {
    fail(name, v, 'a URL');
  }
  return v;
}
