/**
 * @actorwire/client — the browser and Node client of Actorwire servers: reconnect with backoff
 * and jitter, token callback and refresh, automatic resubscribe, request/response promises,
 * client-side heartbeat, typed frames. See README.md.
 */
export { ActorwireClient } from './client.js';
export type { ClientEvents, ClientOptions, ClientState, RoomHandler, Subscription, TokenSource, WebSocketConstructor, WebSocketLike } from './client.js';
export { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { CLOSE_BEHAVIOUR, HEARTBEAT_CLOSE, TOKEN_CALLBACK_FAILED, closeBehaviour, type CloseBehaviour } from './close-codes.js';
export { ActorwireClientError, type ClientErrorCode } from './errors.js';
export { Dashboard, EntityView, type SnapshotFrame } from './views.js';
export type * from './frames.js';
