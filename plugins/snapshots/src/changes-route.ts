/**
 * POST /api/snapshots/changes — tell the plugin what changed, as a Kafka record would, for
 * systems that do not publish to Kafka: `{"entity":E,"section"?:S,"id"?:I}` or an array of
 * them (at most 1,000). Token of a `changesRoles` role required (admin or service by default;
 * open mode without an auth plugin). The touched views are refreshed after the coalescing
 * window, exactly like records.
 *
 *   202 {"accepted":N}
 *   400 {"error":"…","code":"INVALID_JSON"|"INVALID_MESSAGE"}   (nothing is accepted)
 *   401 / 403                                                 from the authenticator
 *   413 {"error":"…","code":"TOO_LARGE"}
 */
import { ActorwireError, protocolError, readJsonBody, type HttpHandler, type PluginContext } from '@actorwire/core';
import type { EntityTable } from './entities.js';
import type { Change } from './refresh.js';
import { SECTION } from './routes.js';

const MAX_CHANGES = 1000;

function readChange(raw: unknown, i: number, entities: EntityTable): Change {
  const at = (what: string) => protocolError('INVALID_MESSAGE', `change ${i}: ${what}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw at('must be an object');
  const c = raw as Record<string, unknown>;
  if (typeof c.entity !== 'string') throw at('"entity" is required (a string)');
  const entity = entities.normalize(c.entity);
  if (entity === undefined) throw at(`unknown entity ${JSON.stringify(c.entity.slice(0, 64))}`);
  let section: string | undefined;
  if (c.section !== undefined && c.section !== null) {
    if (typeof c.section !== 'string' || !SECTION.test(c.section)) throw at('"section" must be a valid section id');
    section = c.section;
  }
  let id: string | undefined;
  if (c.id !== undefined && c.id !== null) {
    if ((typeof c.id !== 'string' && typeof c.id !== 'number') || String(c.id).length === 0 || String(c.id).length > 256) throw at('"id" must be a string or number');
    id = String(c.id);
  }
  return { entity, section, id };
}

export function changesRoute(ctx: PluginContext, entities: EntityTable, roles: readonly string[], maxBody: number, record: (c: Change) => void): HttpHandler {
  const limit = Math.min(maxBody, ctx.config.maxHttpBodySize);
  const tooLarge = () => new ActorwireError('TOO_LARGE', `request body too large (limit ${limit} bytes)`, { status: 413 });
  return async (req, res) => {
    const auth = ctx.services.find('authenticator');
    if (auth !== undefined) await auth.authenticateHttp(req, { roles });
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) throw tooLarge();
    if ((await req.buffer()).length > limit) throw tooLarge();
    const body = await readJsonBody(req);
    const list = Array.isArray(body) ? body : [body];
    if (list.length > MAX_CHANGES) throw protocolError('INVALID_MESSAGE', `at most ${MAX_CHANGES} changes per request`);
    // Validate all first: a bad item rejects the request, none of it is applied.
    const changes = list.map((c, i) => readChange(c, i, entities));
    for (const c of changes) record(c);
    res.status(202).json({ accepted: changes.length });
  };
}
