import type { BaseFrame } from '@actorwire/client';

/** A pushed failure frame (`<entity>.error`, `analytics-….error`) as an Error with its `code` and the frame. */
export function errorOf(f: BaseFrame, fallback: string): Error & { code: string; frame: BaseFrame } {
  const e = new Error(String((f as { error?: unknown }).error ?? fallback)) as Error & { code: string; frame: BaseFrame };
  e.code = String((f as { code?: unknown }).code ?? 'UPSTREAM_ERROR');
  e.frame = f;
  return e;
}
