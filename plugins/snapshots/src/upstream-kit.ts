/**
 * `@actorwire/plugin-snapshots/upstream` — the REST snapshot machinery other plugins share: the
 * upstream client (timeout, token, body limit, verbatim JSON, typed errors), the cache
 * (single flight, TTL, LRU bound, stale-while-revalidate, change generations), who watches
 * which view, and the refresh of watched views after changes.
 */
export { UpstreamClient, spliceSnapshot, pathSegment, type Snapshot, type UpstreamOptions } from './upstream.js';
export { SnapshotCache, type CacheAnswer, type CacheOptions, type CacheStats, type Keyed, type Load } from './cache.js';
export { SnapshotError, SnapshotErrors, invalid, type SnapshotErrorCode } from './errors.js';
export { Coalescer, type CoalescerOptions } from './coalescer.js';
export { EntityTable, singular } from './entities.js';
export { actionAsType } from './entity-decode.js';
export { readField, type ChangeRecord } from './refresh.js';
export { Watchers, type Watchable, type Watched } from './watchers.js';
export { ViewRefresh, type ChangeKind, type ViewFrames, type ViewRefreshCounts, type ViewRefreshOptions, type ViewTopics } from './view-refresh.js';
export { UpstreamCredentials, scoped, isCredentialName, refuseCredentialName, type Audience, type Credential, type Scoped } from './credentials.js';
