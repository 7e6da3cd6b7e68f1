/**
 * The snapshot routes and what is checked before the upgrade:
 *   /ws/:entity/:section            entity and section in the path
 *   /ws/:entity/:section/:token     … and the token as the last segment (verified and kept by the auth plugin, never logged)
 *   /ws/user/:section               legacy: the users entity
 *   /ws/section/:id[/:token]        legacy: WS_DEFAULT_ENTITY
 * An unknown entity answers 404 and a malformed section 400, before any socket exists (the
 * auth plugin's check runs first: without a valid token the answer is 401).
 */
import type { UpgradeRequest } from '@actorwire/core';
import { PLACE_KEY, type Place } from './actions.js';
import type { EntityTable } from './entities.js';

export const ROUTES = {
  entity: '/ws/:entity/:section',
  entityToken: '/ws/:entity/:section/:token',
  user: '/ws/user/:section',
  section: '/ws/section/:id',
  sectionToken: '/ws/section/:id/:token',
} as const;

export const ROUTE_LIST: readonly string[] = Object.values(ROUTES);

/** Section ids: a letter or digit, then letters, digits, `_ . ~ -`; at most 128. */
export const SECTION = /^[A-Za-z0-9][A-Za-z0-9_.~-]{0,127}$/;

/** The internal topic of a section's `{entity}.{kind}` frames. */
export function sectionTopic(entity: string, section: string, kind: string): string {
  return `$snapshots:${entity}:${section}:${kind}`;
}

export interface UpgradeOptions {
  entities: EntityTable;
  defaultEntity: string;
}

export function upgradeCheck(o: UpgradeOptions): (req: UpgradeRequest) => void {
  const routes = new Set(ROUTE_LIST);
  return (req) => {
    if (!routes.has(req.route) || req.rejected) return;
    let raw: string;
    if (req.route === ROUTES.section || req.route === ROUTES.sectionToken) raw = o.defaultEntity;
    else if (req.route === ROUTES.user) raw = 'users';
    else raw = req.params.entity ?? '';
    const entity = o.entities.normalize(raw);
    if (entity === undefined) {
      req.reject(404, { error: `unknown entity ${JSON.stringify(raw.slice(0, 64))}`, code: 'UNKNOWN_ENTITY', entities: [...o.entities.entities] });
      return;
    }
    const section = req.params.section ?? req.params.id ?? '';
    if (!SECTION.test(section)) {
      req.reject(400, { error: 'invalid section: 1 to 128 letters, digits, _ . ~ - (starting with a letter or digit)', code: 'INVALID_SECTION' });
      return;
    }
    // The credential is the auth plugin's to keep (`authenticator.credentialOf`): never read here.
    const place: Place = { entity, section };
    req.data.set(PLACE_KEY, place);
  };
}
