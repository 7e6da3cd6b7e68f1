/**
 * Request-body helpers for plugin HTTP routes. Kept apart from the HTTP server module so the
 * public API (and its type declarations) does not depend on the HTTP layer's internals.
 */
import { ActorwireError } from '@actorwire/errors';
import { InputRefused, parseUntrustedJson } from '@actorwire/inputs';
import type { HttpRequest } from '../types.js';

/**
 * Read a JSON body with a clear error for bad JSON; used by plugin routes. The body's size is
 * capped by the HTTP layer (`maxHttpBodySize`); its nesting by the input guard's depth limit.
 */
export async function readJsonBody(req: HttpRequest): Promise<unknown> {
  const text = await req.text();
  if (text.trim() === '') throw new ActorwireError('INVALID_JSON', 'request body is empty', { status: 400 });
  try {
    return parseUntrustedJson(text, { maxBytes: Number.MAX_SAFE_INTEGER });
  } catch (err) {
    if (err instanceof InputRefused && err.reason === 'too_deep') throw new ActorwireError('INVALID_MESSAGE', `request body ${err.message}`, { status: 400 });
    throw new ActorwireError('INVALID_JSON', 'invalid JSON format', { status: 400 });
  }
}
