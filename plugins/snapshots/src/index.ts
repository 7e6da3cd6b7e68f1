/**
 * @actorwire/plugin-snapshots — live entity snapshots per section (the entity dialect): routes
 * `/ws/:entity/:section[/:token]`, list/detail actions answered from the upstream REST service
 * through a single-flight TTL/LRU cache, and Kafka records that refresh exactly the views they
 * touch and push them to exactly their viewers. See README.md.
 */
import { definePlugin, packageInfo, protocolError, type Frame, type Session } from '@actorwire/core';
import type {} from '@actorwire/plugin-kafka';
import { Actions, placeOf, type ActionHandler } from './actions.js';
import { actionAsType } from './entity-decode.js';
import { changesRoute } from './changes-route.js';
import { SnapshotCache } from './cache.js';
import { EntityTable } from './entities.js';
import { Fetcher } from './fetcher.js';
import { entityOfTopics, optionsFromEnv, optionsSchema, type SnapshotsOptions } from './options.js';
import { Refresher, type Change } from './refresh.js';
import { viewTopics } from './view-topics.js';
import { makeView, readQuery } from './view.js';
import { ROUTE_LIST, sectionTopic, upgradeCheck } from './routes.js';
import { Watchers } from './watchers.js';
import { UpstreamCredentials, type Scoped } from './credentials.js';
import type { View } from './view.js';

export type { SnapshotsOptions, EntityPaths } from './options.js';
export type { ActionHandler, ActionRequest, Place } from './actions.js';
export type { Change } from './refresh.js';
export type { CacheAnswer } from './cache.js';
export type { Snapshot } from './upstream.js';
export { SnapshotError, SnapshotErrors, type SnapshotErrorCode } from './errors.js';
export { ROUTES, sectionTopic } from './routes.js';
export { DEFAULT_ENTITIES } from './options.js';

/** What other plugins use (`uses: ['snapshots']`). */
export interface SnapshotsService {
  /** Answer `action` on the routes of `entity` (`*`: every entity) with `{entity}.{action}`. Call from register. */
  defineAction(entity: string, action: string, handler: ActionHandler): void;
  /** Publish a `{entity}.{kind}` frame to every session of a section (every instance). */
  publish(entity: string, section: string, kind: string, payload: unknown): Promise<boolean>;
  /** Report a change (as a Kafka record would): the touched views are refreshed after the window. */
  changed(change: Change): void;
  /** The entity a name stands for (`user` → `users`), or undefined. */
  normalizeEntity(name: string): string | undefined;
}

declare module '@actorwire/core' {
  interface ActorwireServices {
    /** Entity snapshots (provided by @actorwire/plugin-snapshots). */
    snapshots: SnapshotsService;
  }
}

/** Base kinds every session joins for its section. */
const BASE_KINDS = ['snapshot', 'list', 'detail', 'error'];

export default definePlugin<SnapshotsOptions>({
  name: 'snapshots',
  version: packageInfo(import.meta.url).version,
  kernel: '^0.2.0',
  provides: ['snapshots'],
  // The authenticator verifies tokens before the upgrade; Kafka handlers refresh snapshots. Both optional.
  uses: ['authenticator', 'kafkaHandlers'],
  options: optionsSchema,
  optionsFromEnv,
  register(ctx, o) {
    const entities = new EntityTable([...new Set([...o.entities, o.defaultEntity])], o.aliases);
    const fetcher = new Fetcher(o, ctx.tracer, ctx.inputs('upstream', { maxBytes: o.maxBodyBytes }));
    const upstream = { calls: 0, errors: new Map<string, number>(), lastError: undefined as string | undefined, lastOkAt: 0 };
    const latency = ctx.meter.createHistogram('actorwire_snapshots_upstream_seconds', { description: 'Upstream REST latency of snapshot fetches', unit: 's', advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] } });
    const credentials = new UpstreamCredentials(() => ctx.services.find('authenticator'), o.forwardToken, o.serviceToken);
    const cache = new SnapshotCache<Scoped<View>>(
      { ttl: o.cacheTtl, maxEntries: o.cacheMaxEntries, staleWhileRevalidate: o.staleWhileRevalidate },
      async ({ view }, token) => {
        const started = performance.now();
        upstream.calls++;
        try {
          const snap = await fetcher.fetch(view, token, Date.now);
          latency.record((performance.now() - started) / 1000, { entity: view.entity, outcome: 'ok' });
          upstream.lastOkAt = Date.now();
          upstream.lastError = undefined;
          return snap;
        } catch (err) {
          const code = (err as { code?: string }).code ?? 'UPSTREAM_ERROR';
          latency.record((performance.now() - started) / 1000, { entity: view.entity, outcome: code });
          upstream.errors.set(code, (upstream.errors.get(code) ?? 0) + 1);
          upstream.lastError = `${code}: ${(err as Error).message}`;
          throw err;
        }
      },
      Date.now,
    );
    // A session watching a view is subscribed to the view's topic, where its refreshes are published.
    const topics = viewTopics(entities, o.maxQueryParams);
    const follow = (session: Session, topic: string, join: boolean) => {
      const done = join ? ctx.topics.subscribe(session, topic, { skipAuthorization: true }) : ctx.topics.unsubscribe(session, topic);
      void Promise.resolve(done).catch((err) => ctx.logger.warn({ err, session: session.id, topic }, 'view topic (un)subscribe failed'));
    };
    const viewers = new Watchers<View>(o.maxViewsPerSession, {
      joined: (session, view) => follow(session, topics.topicOf(view), true),
      left: (session, view) => follow(session, topics.topicOf(view), false),
    });
    const refresher = new Refresher(
      { refreshWindow: o.refreshWindow, refreshMaxDelay: Math.max(o.refreshWindow, o.refreshMaxDelay), sectionFields: o.sectionFields, idFields: o.idFields, credentials, entities, topics },
      cache, ctx, ctx.inputs('snapshots-notices', { maxBytes: 1024 * 1024 }),
    );
    // The section's default view, which every session of the section follows (`passive`).
    const passiveQuery = readQuery({ query: Object.fromEntries(new URLSearchParams(o.passiveQuery)) }, o.maxQueryParams);
    const actions = new Actions({
      ctx, routes: ROUTE_LIST, entities, cache, viewers, maxQueryParams: o.maxQueryParams, credentials, logger: ctx.logger,
      observable: new Set(o.observableActions), topicOf: sectionTopic,
    });
    actions.defineBuiltins();

    // The token is checked before the upgrade (the auth plugin reads `meta.lateAuth`) unless late auth is on.
    const meta = { lateAuth: o.lateAuth, snapshots: true };
    // Forwarding: the auth plugin keeps each session's verified credential for its own requests.
    const keep = o.forwardToken ? { keepCredential: true } : {};
    for (const path of ROUTE_LIST) ctx.routes.ws(path, path.endsWith('/:token') ? { tokenParam: 'token', meta, decode: actionAsType, ...keep } : { meta, decode: actionAsType, ...keep });
    // Section topics are the server's to publish on: clients cannot join or publish to them.
    const refuse = () => false;
    ctx.topics.define('$snapshots:*', { authorize: refuse, authorizePublish: refuse });
    // A plain room named like an entity topic (`restaurants.snapshot`) would pass for the server's own frames.
    const reserved = ({ topic }: { topic: string }) => protocolError('FORBIDDEN', `"${topic.slice(0, 128)}" is named like an entity topic of the snapshots plugin: it cannot be joined or published to as a room`);
    for (const entity of entities.entities) ctx.topics.define(`${entity}.*`, { authorize: reserved, authorizePublish: reserved });

    const kinds = [...new Set([...BASE_KINDS, ...o.allowedActions, ...o.observableActions])];
    ctx.hooks.on('onUpgrade', upgradeCheck({ entities, defaultEntity: o.defaultEntity }));
    ctx.hooks.on('onOpen', async (session) => {
      const place = placeOf(session);
      if (place === undefined || session.phase !== 'ready') return;
      await joinSection(session, place.entity, place.section);
    });
    ctx.hooks.on('onAuthenticated', async (session) => {
      // Authenticated by an `auth` message after the upgrade: join now.
      const place = placeOf(session);
      if (place === undefined) return;
      await joinSection(session, place.entity, place.section);
    });
    ctx.hooks.on('onDisconnect', (session) => viewers.forget(session));
    async function joinSection(session: Session, entity: string, section: string): Promise<void> {
      for (const kind of kinds) await ctx.topics.subscribe(session, sectionTopic(entity, section, kind), { skipAuthorization: true });
      if (o.passive) await ctx.topics.subscribe(session, topics.topicOf(makeView(entity, section, 'list', undefined, [...passiveQuery])), { skipAuthorization: true });
    }

    const entityOf = entityOfTopics(o.entityTopics);
    const kafka = ctx.services.find('kafkaHandlers');
    if (kafka !== undefined) {
      for (const [topic, entity] of entityOf) {
        const target = entities.normalize(entity);
        if (target === undefined) {
          ctx.logger.warn({ topic, entity }, 'WS_ENTITY_TOPICS names an entity this plugin does not serve: its records refresh nothing');
          continue;
        }
        kafka.register(topic, (rec) => refresher.record(refresher.changeOf(target, rec)), `snapshots:${target}`);
      }
      // Brokers away: viewers are told their views may go stale; back: every view is refreshed.
      if (entityOf.size > 0) kafka.onAvailability((available) => (available ? refresher.resumed() : refresher.paused()));
    }

    const service: SnapshotsService = {
      defineAction: (entity, action, handler) => actions.define(entity, action, handler),
      publish: async (entity, section, kind, payload) => {
        const e = entities.normalize(entity);
        if (e === undefined) throw new Error(`unknown entity ${JSON.stringify(entity)}`);
        const topic = `${e}.${kind}`;
        const frame: Frame & Record<string, unknown> = { type: topic, topic, entity: e, section, payload, metadata: null, timestamp: Date.now() };
        return ctx.topics.publish(null, sectionTopic(e, section, kind), frame);
      },
      changed: (change) => {
        const e = entities.normalize(change.entity);
        if (e !== undefined) refresher.record({ ...change, entity: e });
      },
      normalizeEntity: (name) => entities.normalize(name),
    };
    ctx.services.provide('snapshots', service);
    if (o.changesApi) ctx.routes.http('post', '/api/snapshots/changes', changesRoute(ctx, entities, o.changesRoles, o.changesMaxBody, (c) => refresher.record(c)));

    ctx.health('snapshots', () => ({
      status: upstream.lastError === undefined ? 'up' : 'degraded',
      upstream: o.restBaseUrl,
      cached: cache.size,
      viewed: viewers.size,
      ...(upstream.lastError !== undefined ? { detail: upstream.lastError } : {}),
    }));
    ctx.meter.createObservableCounter('actorwire_snapshots_cache_requests', { description: 'Snapshot requests by cache result: hit (incl. joined an upstream call in flight), miss, stale' }).addCallback((r) => {
      r.observe(cache.stats.hits, { result: 'hit' });
      r.observe(cache.stats.misses, { result: 'miss' });
      r.observe(cache.stats.stale, { result: 'stale' });
    });
    ctx.meter.createObservableCounter('actorwire_snapshots_upstream_calls', { description: 'Upstream REST calls for snapshots' }).addCallback((r) => r.observe(upstream.calls));
    ctx.meter.createObservableCounter('actorwire_snapshots_upstream_errors', { description: 'Failed upstream REST calls, by code' }).addCallback((r) => {
      for (const [code, n] of upstream.errors) r.observe(n, { code });
    });
    ctx.meter.createObservableCounter('actorwire_snapshots_refresh', { description: 'Change records seen, views refreshed, snapshots published to view topics, refreshes failed, changes heard from other instances' }).addCallback((r) => {
      const c = refresher.counts;
      r.observe(refresher.stats.records, { kind: 'records' });
      r.observe(c.refreshed, { kind: 'refreshes' });
      r.observe(c.pushed, { kind: 'pushed' });
      r.observe(c.failed, { kind: 'failed' });
      r.observe(c.heard, { kind: 'heard' });
    });

    ctx.hooks.on('onReady', () => {
      ctx.logger.info({ upstream: o.restBaseUrl, entities: [...entities.entities], defaultEntity: o.defaultEntity, kafkaTopics: kafka ? [...entityOf.keys()] : [] }, 'snapshots ready');
      if (kafka === undefined && entityOf.size > 0) ctx.logger.warn('WS_ENTITY_TOPICS is set but the kafka plugin is not loaded: records will not refresh snapshots');
    });
    ctx.hooks.on('onClose', () => refresher.idle());
  },
});
