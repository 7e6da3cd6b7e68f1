/**
 * React bindings for `@actorwire/client`: `<ActorwireProvider client>` and hooks —
 * `useActorwire` (the connection's state), `useRoom` (messages and presence),
 * `useEntityView` (live entity snapshots) and `useDashboard` (live analytics dashboards).
 */
export { ActorwireProvider, useActorwire, useClient, type ActorwireProviderProps, type ConnectionStatus } from './connection.js';
export { useRoom, type RoomState, type RoomStatus, type UseRoomOptions } from './use-room.js';
export { applyPresenceEvent, presenceFromList, type Presence } from './presence.js';
export { useEntityView, type EntityViewOptions, type ViewQuery, type ViewState } from './use-entity-view.js';
export { useDashboard, type DashboardFilters, type DashboardState } from './use-dashboard.js';
