/**
 * The frames of the canonical protocol (docs/protocol.md) as a client sees them. `timestamp` is
 * Unix ms; `id` echoes the request's. The test suite checks these shapes against what a real
 * server sends.
 */
export interface BaseFrame {
  type: string;
  timestamp?: number;
  id?: string;
  [field: string]: unknown;
}

export interface ConnectedFrame extends BaseFrame {
  type: 'connected';
  data: { client_id: string; message: string; user_id?: string };
}

export interface SubscribedFrame extends BaseFrame {
  type: 'subscribed';
  room: string;
  /**
   * `epoch`/`offset`: a room with history (the last offset before live messages). `recovered`:
   * only when the subscribe asked to recover (`since`) — false means messages were missed for good.
   */
  data: { room: string; client_count: number; epoch?: string; offset?: number; recovered?: boolean };
}

/** Where a client is in a room's history: the last offset it received, in the room's epoch. */
export interface StreamPosition {
  offset: number;
  epoch: string;
}

/** `history` answer: the room's messages as subscribers received them. */
export interface HistoryFrame extends BaseFrame {
  type: 'history';
  room: string;
  data: { epoch: string; offset: number; complete: boolean; messages: Array<BaseFrame & { offset: number; epoch: string }> };
}

export interface UnsubscribedFrame extends BaseFrame {
  type: 'unsubscribed';
  room: string;
  data: { room: string };
}

/** A room delivery. `client_id`/`user_id`/`message_id` are absent in the `compact` dialect. */
export interface MessageFrame<D = unknown> extends BaseFrame {
  type: 'message';
  room?: string;
  data: D;
  client_id?: string;
  user_id?: string;
  message_id?: string;
  /** Rooms with history: the message's number in the room and the numbering's epoch. */
  offset?: number;
  epoch?: string;
}

/**
 * A server-side push (`POST /api/notify`, a user's topic). Sent to a room it names the room
 * (and reaches that room's handlers when subscribed), with `offset`/`epoch` when it keeps history.
 */
export interface NotificationFrame<D = unknown> extends BaseFrame {
  type: 'notification';
  event: string;
  data: D;
  message_id: string;
  room?: string;
  offset?: number;
  epoch?: string;
}

/** A session joined or left a room whose presence events are on (the rooms plugin's `presenceEvents`). */
export interface PresenceFrame extends BaseFrame {
  type: 'presence';
  event: 'join' | 'leave';
  room: string;
  data: { user_id: string | null; client_id: string };
}

/** One user in a room: how many of their connections are in it (a user id null: anonymous sessions). */
export interface PresenceMember {
  user_id: string | null;
  connections: number;
}

/** The answer to `{"type":"presence","room":R}`: who is in the room now. */
export interface PresenceListFrame extends BaseFrame {
  type: 'presence';
  room: string;
  data: { room: string; members: PresenceMember[]; client_count: number };
}

export interface AuthenticatedFrame extends BaseFrame {
  type: 'authenticated';
  data: { user_id: string; expires_at: number | null };
}

export interface ErrorFrame extends BaseFrame {
  type: 'error';
  error: string;
  code: ErrorCode | string;
  /** Auth refusals say why (`expired`, `bad_signature`, …). */
  reason?: string;
}

export interface PongFrame extends BaseFrame {
  type: 'pong';
}

/** The stable error codes of the protocol. */
export type ErrorCode =
  | 'INVALID_JSON' | 'UNKNOWN_TYPE' | 'INVALID_MESSAGE' | 'ROOM_REQUIRED' | 'NOT_SUBSCRIBED' | 'ROOM_FULL'
  | 'SERVER_FULL' | 'FORBIDDEN' | 'UNAUTHORIZED' | 'RATE_LIMITED' | 'TOO_LARGE' | 'TOO_MANY_SUBSCRIPTIONS'
  | 'INTERNAL_ERROR';

export type ServerFrame =
  | ConnectedFrame | SubscribedFrame | UnsubscribedFrame | MessageFrame | NotificationFrame | PresenceFrame | PresenceListFrame
  | AuthenticatedFrame | ErrorFrame | PongFrame | BaseFrame;

/** What a client may send; `request` adds the `id`. */
export interface ClientFrame {
  type: string;
  id?: string;
  [field: string]: unknown;
}
