/**
 * What is checked before the upgrade of `/ws/analytics/:scope/:entity`, in this order:
 *   unknown scope or entity                                  → 404
 *   a malformed query (too many, too long, bad names)        → 400
 *   restaurant/admin scope without a verified token          → 401
 *   admin scope without an admin role                        → 403
 *   restaurant scope without the restaurant parameter        → 400
 *   restaurant scope, token not allowed for that restaurant  → 403
 *   a parameter the upstream path needs is missing           → 400
 * The auth plugin's upgrade hook runs first: a bad token is already a 401, and a good one is
 * `req.identity`. The accepted dashboard is kept in the request's data for the session.
 */
import { claimAsId, hasAnyRole, readClaim, type Identity, type PluginContext, type Session, type UpgradeRequest } from '@actorwire/core';
import type { EntityTable } from '@actorwire/plugin-snapshots/upstream';
import { checkParam, makeDashboard, type Dashboard, type Paths, type Scope, type ScopeTable } from './dashboard.js';

export const ROUTE = '/ws/analytics/:scope/:entity';
export const DASHBOARD_KEY = 'analytics.dashboard';

/** What a session carries from its upgrade. */
export interface Seat {
  dashboard: Dashboard;
  /** Its current query (the dashboard's, as a map; `fetch` changes it). */
  query: Map<string, string>;
}

export function seatOf(session: Session): Seat | undefined {
  return session.data.get(DASHBOARD_KEY) as Seat | undefined;
}

export interface AccessOptions {
  scopes: ScopeTable;
  entities: EntityTable;
  paths: Paths;
  adminRoles: readonly string[];
  restaurantParam: string;
  restaurantClaims: readonly string[];
  restaurantPolicy: string;
  maxQueryParams: number;
  policies: PluginContext['policies'];
}

/** Does one of the claims name `restaurantId` (a string, a number, or an array of them)? */
export function claimsAllow(identity: Identity, claims: readonly string[], restaurantId: string): boolean {
  for (const name of claims) {
    const v = readClaim(identity.claims ?? {}, name);
    const list = Array.isArray(v) ? v : [v];
    if (list.some((one) => claimAsId(one) === restaurantId)) return true;
  }
  return false;
}

/** Authorization decisions shared by the upgrade and `fetch` (which may ask for another restaurant). */
export class Access {
  constructor(private readonly o: AccessOptions) {}

  /** null when allowed; else the HTTP status and body of the refusal. */
  async check(scope: Scope, identity: Identity | undefined, query: ReadonlyMap<string, string>, subject: () => Session): Promise<{ status: number; error: string; code: string } | null> {
    if (scope === 'public') return null;
    if (identity === undefined) return { status: 401, error: `${scope} analytics need a valid token in the Authorization header`, code: 'UNAUTHORIZED' };
    const admin = hasAnyRole(identity, this.o.adminRoles);
    if (scope === 'admin') return admin ? null : { status: 403, error: 'admin analytics need an admin role', code: 'FORBIDDEN' };
    const restaurantId = query.get(this.o.restaurantParam);
    if (restaurantId === undefined) return { status: 400, error: `restaurant analytics need the query parameter ${this.o.restaurantParam}`, code: 'INVALID_MESSAGE' };
    if (admin || claimsAllow(identity, this.o.restaurantClaims, restaurantId)) return null;
    if (this.o.restaurantPolicy !== '' && this.o.policies.get(this.o.restaurantPolicy) !== undefined) {
      const out = await this.o.policies.check(this.o.restaurantPolicy, { session: subject(), topic: `seller-${restaurantId}`, action: 'subscribe', params: { id: restaurantId } });
      if (out === true) return null;
    }
    return { status: 403, error: `this token is not allowed to see restaurant ${restaurantId}`, code: 'FORBIDDEN' };
  }
}

/**
 * The upgrade as policies see it before a session exists: who asks and from where; it cannot be
 * sent to, and it is in phase `connecting`.
 */
function upgradeSubject(req: UpgradeRequest): Session {
  const identity = req.identity;
  return {
    id: `upgrade:${req.remoteAddress}`,
    route: req.route,
    params: req.params,
    query: req.query,
    remoteAddress: req.remoteAddress,
    dialect: undefined,
    connectedAt: Date.now(),
    phase: 'connecting',
    identity,
    userId: identity?.userId,
    topics: new Set(),
    data: req.data,
    send: () => false,
    sendRaw: () => false,
    bufferedAmount: () => 0,
    sendError: () => undefined,
    close: () => undefined,
  };
}

export function upgradeCheck(o: AccessOptions, access: Access): (req: UpgradeRequest) => Promise<void> {
  return async (req) => {
    if (req.route !== ROUTE || req.rejected) return;
    const scope = o.scopes.normalize(req.params.scope ?? '');
    if (scope === undefined) {
      req.reject(404, { error: `unknown analytics scope ${JSON.stringify((req.params.scope ?? '').slice(0, 64))}`, code: 'UNKNOWN_SCOPE', scopes: ['public', 'restaurant', 'admin'] });
      return;
    }
    const entity = o.entities.normalize(req.params.entity ?? '');
    if (entity === undefined) {
      req.reject(404, { error: `unknown analytics entity ${JSON.stringify((req.params.entity ?? '').slice(0, 64))}`, code: 'UNKNOWN_ENTITY', entities: [...o.entities.entities] });
      return;
    }
    const query = new Map<string, string>();
    try {
      for (const [name, value] of req.query) {
        // The auth plugin's query token (verified there, redacted from the session); empty = no filter.
        if (name === 'token' || value === '') continue;
        checkParam(name, value);
        query.set(name, value);
      }
      if (query.size > o.maxQueryParams) throw new Error(`at most ${o.maxQueryParams} query parameters`);
      o.paths.checkPath(scope, entity, query);
    } catch (err) {
      req.reject(400, { error: (err as Error).message, code: 'INVALID_MESSAGE' });
      return;
    }
    const refused = await access.check(scope, req.identity, query, () => upgradeSubject(req));
    if (refused !== null) {
      req.reject(refused.status, { error: refused.error, code: refused.code });
      return;
    }
    const missing = o.paths.required(scope, entity).filter((p) => !query.has(p));
    if (missing.length > 0) {
      req.reject(400, { error: `${scope} ${entity} analytics need the query parameter${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`, code: 'INVALID_MESSAGE' });
      return;
    }
    // The credential is the auth plugin's to keep (`authenticator.credentialOf`): never read here.
    const seat: Seat = { dashboard: makeDashboard(scope, entity, query), query };
    req.data.set(DASHBOARD_KEY, seat);
  };
}
