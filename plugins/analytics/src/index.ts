/**
 * @actorwire/plugin-analytics — live analytics dashboards over WebSocket: `/ws/analytics/:scope/:entity`
 * (public, restaurant, admin), authorised per scope before the upgrade, the first snapshot pushed
 * on connect, `refresh` and `fetch` commands, and Kafka events that re-query only the affected
 * dashboards, once per distinct view. Shares the REST client and cache of plugin-snapshots.
 * See README.md.
 */
import { definePlugin, packageInfo, type Session } from '@actorwire/core';
import type {} from '@actorwire/plugin-kafka';
import { EntityTable, SnapshotCache, UpstreamClient, UpstreamCredentials, Watchers, actionAsType, type Scoped } from '@actorwire/plugin-snapshots/upstream';
import { Access, ROUTE, seatOf, upgradeCheck } from './access.js';
import { Commands } from './commands.js';
import { Paths, ScopeTable, type Dashboard } from './dashboard.js';
import { multiMap, optionsFromEnv, optionsSchema, type AnalyticsOptions } from './options.js';
import { Refresher, type AnalyticsEvent } from './refresh.js';
import { dashboardTopics } from './view-topics.js';

export type { AnalyticsOptions } from './options.js';
export type { AnalyticsEvent } from './refresh.js';
export { DEFAULT_ENTITIES, DEFAULT_AFFECTS } from './options.js';
export { DEFAULT_PATHS, SCOPES, type Scope } from './dashboard.js';
export { ROUTE } from './access.js';

/** What other plugins use (`uses: ['analytics']`). */
export interface AnalyticsService {
  /** Report an event (as a Kafka record would): the affected dashboards are re-queried after the window. */
  changed(event: AnalyticsEvent): void;
}

declare module '@actorwire/core' {
  interface ActorwireServices {
    /** Analytics dashboards (provided by @actorwire/plugin-analytics). */
    analytics: AnalyticsService;
  }
}

/** The server's own topic of a dashboard kind: clients can neither join nor publish to it. */
const internalTopic = (scope: string, entity: string, kind: string) => `$analytics:${scope}:${entity}:${kind}`;

export default definePlugin<AnalyticsOptions>({
  name: 'analytics',
  version: packageInfo(import.meta.url).version,
  kernel: '^0.2.0',
  provides: ['analytics'],
  // The authenticator verifies tokens before the upgrade; Kafka records re-query dashboards. Both optional.
  uses: ['authenticator', 'kafkaHandlers'],
  options: optionsSchema,
  optionsFromEnv,
  register(ctx, o) {
    const entities = new EntityTable(o.entities, o.entityAliases);
    const scopes = new ScopeTable(o.scopeAliases);
    const paths = new Paths(o.restBaseUrl, o.paths);
    const client = new UpstreamClient({ timeout: o.restTimeout, maxBodyBytes: o.maxBodyBytes, tracer: ctx.tracer, guard: ctx.inputs('upstream', { maxBytes: o.maxBodyBytes }) });
    const upstream = { calls: 0, errors: new Map<string, number>(), lastError: undefined as string | undefined };
    const latency = ctx.meter.createHistogram('actorwire_analytics_upstream_seconds', { description: 'Upstream REST latency of analytics queries', unit: 's', advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] } });
    const credentials = new UpstreamCredentials(() => ctx.services.find('authenticator'), o.forwardToken, o.serviceToken);
    const cache = new SnapshotCache<Scoped<Dashboard>>(
      { ttl: o.cacheTtl, maxEntries: o.cacheMaxEntries, staleWhileRevalidate: false },
      async ({ view: d }, token) => {
        const started = performance.now();
        upstream.calls++;
        try {
          const snap = await client.getJson(paths.url(d), token, `no ${d.scope} ${d.entity} analytics for this query`);
          latency.record((performance.now() - started) / 1000, { scope: d.scope, entity: d.entity, outcome: 'ok' });
          upstream.lastError = undefined;
          return snap;
        } catch (err) {
          const code = (err as { code?: string }).code ?? 'UPSTREAM_ERROR';
          latency.record((performance.now() - started) / 1000, { scope: d.scope, entity: d.entity, outcome: code });
          upstream.errors.set(code, (upstream.errors.get(code) ?? 0) + 1);
          upstream.lastError = `${code}: ${(err as Error).message}`;
          throw err;
        }
      },
      Date.now,
    );
    // One dashboard per session: a `fetch` of another query replaces it. Its session follows the
    // dashboard's topic, where re-queried answers are published.
    const topics = dashboardTopics(entities, o.maxQueryParams);
    const follow = (session: Session, topic: string, join: boolean) => {
      const done = join ? ctx.topics.subscribe(session, topic, { skipAuthorization: true }) : ctx.topics.unsubscribe(session, topic);
      void Promise.resolve(done).catch((err) => ctx.logger.warn({ err, session: session.id, topic }, 'dashboard topic (un)subscribe failed'));
    };
    const boards = new Watchers<Dashboard>(1, {
      joined: (session, d) => follow(session, topics.topicOf(d), true),
      left: (session, d) => follow(session, topics.topicOf(d), false),
    });
    const accessOptions = {
      scopes, entities, paths,
      adminRoles: o.adminRoles, restaurantParam: o.restaurantParam, restaurantClaims: o.restaurantClaims,
      restaurantPolicy: o.restaurantPolicy, maxQueryParams: o.maxQueryParams,
      policies: ctx.policies,
    };
    const access = new Access(accessOptions);
    const commands = new Commands({ ctx, cache, boards, access, paths, maxQueryParams: o.maxQueryParams, credentials, logger: ctx.logger });
    commands.define();

    // Which dashboards an event about an entity affects: its own, plus the configured ones.
    const affects = multiMap(o.affects, false);
    for (const e of entities.entities) {
      const set = affects.get(e) ?? new Set<string>();
      set.add(e);
      affects.set(e, set);
    }
    const refresher = new Refresher(
      { window: o.refreshWindow, maxDelay: o.refreshMaxDelay, affects, restaurantParam: o.restaurantParam, restaurantFields: o.restaurantFields, credentials },
      cache, topics, ctx, ctx.inputs('analytics-notices', { maxBytes: 1024 * 1024 }),
    );

    // Public dashboards need no token; restaurant and admin ones are refused before the upgrade without one.
    ctx.routes.ws(ROUTE, { auth: 'optional', meta: { analytics: true }, decode: actionAsType, ...(o.forwardToken ? { keepCredential: true } : {}) });
    const refuse = () => false;
    ctx.topics.define('$analytics:*', { authorize: refuse, authorizePublish: refuse });
    ctx.hooks.on('onUpgrade', upgradeCheck(accessOptions, access));
    ctx.hooks.on('onOpen', async (session) => {
      const seat = seatOf(session);
      if (seat === undefined) return;
      const { scope, entity } = seat.dashboard;
      for (const kind of ['snapshot', 'error']) await ctx.topics.subscribe(session, internalTopic(scope, entity, kind), { skipAuthorization: true });
      // Not awaited: frames the session sends meanwhile are not held up by the upstream.
      void commands.connect(session, seat);
    });
    ctx.hooks.on('onDisconnect', (session) => boards.forget(session));

    const topicsOf = multiMap(o.entityTopics, true);
    const kafka = ctx.services.find('kafkaHandlers');
    if (kafka !== undefined) {
      for (const [topic, named] of topicsOf) {
        for (const name of named) {
          const entity = entities.normalize(name) ?? name;
          kafka.register(topic, (rec) => refresher.record(refresher.eventOf(entity, rec)), `analytics:${entity}`);
        }
      }
      // Brokers away: sessions are told their dashboards may go stale; back: every dashboard is re-queried.
      if (topicsOf.size > 0) kafka.onAvailability((available) => (available ? refresher.resumed() : refresher.paused()));
    }

    ctx.services.provide('analytics', {
      changed: (ev) => refresher.record({ ...ev, entity: entities.normalize(ev.entity) ?? ev.entity }),
    });

    ctx.health('analytics', () => ({
      status: upstream.lastError === undefined ? 'up' : 'degraded',
      upstream: o.restBaseUrl,
      cached: cache.size,
      dashboards: boards.size,
      ...(upstream.lastError !== undefined ? { detail: upstream.lastError } : {}),
    }));
    ctx.meter.createObservableCounter('actorwire_analytics_cache_requests', { description: 'Dashboard queries by cache result' }).addCallback((r) => {
      r.observe(cache.stats.hits, { result: 'hit' });
      r.observe(cache.stats.misses, { result: 'miss' });
    });
    ctx.meter.createObservableCounter('actorwire_analytics_upstream_calls', { description: 'Upstream REST calls for analytics' }).addCallback((r) => r.observe(upstream.calls));
    ctx.meter.createObservableCounter('actorwire_analytics_upstream_errors', { description: 'Failed upstream analytics calls, by code' }).addCallback((r) => {
      for (const [code, n] of upstream.errors) r.observe(n, { code });
    });
    ctx.meter.createObservableCounter('actorwire_analytics_refresh', { description: 'Events seen, dashboards re-queried, snapshots pushed, re-queries failed' }).addCallback((r) => {
      const c = refresher.counts;
      r.observe(refresher.stats.events, { kind: 'events' });
      r.observe(c.refreshed, { kind: 'requeries' });
      r.observe(c.pushed, { kind: 'pushed' });
      r.observe(c.failed, { kind: 'failed' });
    });

    ctx.hooks.on('onReady', () => {
      ctx.logger.info({ upstream: o.restBaseUrl, entities: [...entities.entities], kafkaTopics: kafka ? [...topicsOf.keys()] : [] }, 'analytics ready');
      if (kafka === undefined && topicsOf.size > 0) ctx.logger.warn('analytics entity topics are set but the kafka plugin is not loaded: events will not re-query dashboards');
    });
    ctx.hooks.on('onClose', () => refresher.idle());
  },
});
