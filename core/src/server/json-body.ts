/**
 * Request-body helpers for plugin HTTP routes. Kept apart from the HTTP server module so the
 * public API (and its type declarations) does not depend on the HTTP layer's internals.
 */
import { ActorwireError } from '../errors.js';
import type { HttpRequest } from '../types.js';

/** Read a JSON body with a clear error for bad JSON; used by plugin routes. */
export async function readJsonBody(req: HttpRequest): Promise<unknown> {
  const text = await req.text();
  if (text.trim() === '') throw new ActorwireError('INVALID_JSON', 'request body is empty', { status: 400 });
  try {
    return JSON.parse(text);
  } catch {
    throw new ActorwireError('INVALID_JSON', 'invalid JSON format', { status: 400 });
  }
}
