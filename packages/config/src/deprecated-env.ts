/**
 * The project was called Wirestate before its first release under the Actorwire name. For one
 * release the old `WIRESTATE_*` variables still work: each one whose `ACTORWIRE_*` twin is unset
 * is copied over, with one deprecation warning naming the new variable. Remove in 0.2.
 */
const OLD_PREFIX = 'WIRESTATE_';
const NEW_PREFIX = 'ACTORWIRE_';

/** Emitted once per old variable per process (the loader and the CLI may both look). */
const warned = new Set<string>();

export interface DeprecatedEnvWarning {
  old: string;
  replacement: string;
  /** False when the new variable was also set: the old value is ignored. */
  applied: boolean;
}

/**
 * The environment with every `WIRESTATE_X` mapped to `ACTORWIRE_X` (the new name wins when both
 * are set). Returns a copy; `env` is not changed. `warn` defaults to a Node DeprecationWarning.
 */
export function withDeprecatedEnv(
  env: NodeJS.ProcessEnv,
  warn: (w: DeprecatedEnvWarning) => void = emitDeprecation,
): NodeJS.ProcessEnv {
  let out: NodeJS.ProcessEnv | undefined;
  for (const key of Object.keys(env)) {
    if (!key.startsWith(OLD_PREFIX)) continue;
    const replacement = NEW_PREFIX + key.slice(OLD_PREFIX.length);
    const applied = env[replacement] === undefined;
    out ??= { ...env };
    if (applied) out[replacement] = env[key];
    warn({ old: key, replacement, applied });
  }
  return out ?? env;
}

function emitDeprecation(w: DeprecatedEnvWarning): void {
  if (warned.has(w.old)) return;
  warned.add(w.old);
  const text = w.applied
    ? `${w.old} is deprecated and will be removed in the next release: use ${w.replacement}`
    : `${w.old} is ignored because ${w.replacement} is set; remove ${w.old}`;
  process.emitWarning(text, { type: 'DeprecationWarning', code: 'ACTORWIRE_DEP_ENV' });
}
