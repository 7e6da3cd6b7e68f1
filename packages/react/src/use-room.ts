/**
 * `useRoom(room)`: join a room while the component is mounted, keep its latest messages and, if
 * asked, who is in it. The client rejoins after a reconnect (recovering what was missed in rooms
 * with history); leaving the component (or changing `room`) leaves the room.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { BaseFrame, MessageFrame, PresenceFrame, PresenceListFrame } from '@actorwire/client';
import { useClient } from './connection.js';
import { applyPresenceEvent, presenceFromList, type Presence } from './presence.js';

export interface UseRoomOptions {
  /** Messages kept, newest last (default 100; older ones are dropped from the state). */
  keep?: number;
  /** Ask who is in the room once joined (and again after each rejoin), then follow join/leave events. */
  presence?: boolean;
  /** false: do not join (yet). Default true. */
  enabled?: boolean;
  /** Every frame about the room (messages, presence events, a plugin's room frames), as it arrives. */
  onFrame?: (frame: BaseFrame & { room: string }) => void;
}

export type RoomStatus = 'idle' | 'joining' | 'joined' | 'error';

export interface RoomState<T> {
  status: RoomStatus;
  /** Why joining failed (`FORBIDDEN`, `ROOM_FULL`, … as `error.code`). */
  error: Error | undefined;
  messages: readonly MessageFrame<T>[];
  /** Undefined until known (and without `presence`). */
  presence: Presence | undefined;
  /** After a rejoin from a history position: whether every missed message was delivered (false: some are lost). */
  recovered: boolean | undefined;
  /** Publish to the room (kept while disconnected, sent once back). */
  publish(data: T): void;
  /** Ask who is in the room again. */
  refreshPresence(): void;
}

interface Inner<T> {
  status: RoomStatus;
  error: Error | undefined;
  messages: readonly MessageFrame<T>[];
  presence: Presence | undefined;
  recovered: boolean | undefined;
}

const IDLE: Inner<never> = { status: 'idle', error: undefined, messages: [], presence: undefined, recovered: undefined };

export function useRoom<T = unknown>(room: string, options: UseRoomOptions = {}): RoomState<T> {
  const client = useClient();
  const { keep = 100, presence = false, enabled = true } = options;
  const [state, setState] = useState<Inner<T>>(IDLE);
  // The latest callback without joining again when it changes.
  const onFrame = useRef(options.onFrame);
  onFrame.current = options.onFrame;
  const askPresence = useRef<() => void>(() => undefined);

  useEffect(() => {
    if (!enabled) {
      setState(IDLE);
      return;
    }
    let live = true;
    setState({ ...IDLE, status: 'joining' });
    const ask = () => {
      client.request<PresenceListFrame>({ type: 'presence', room }).then(
        (list) => { if (live) setState((s) => ({ ...s, presence: presenceFromList(list) })); },
        () => undefined, // disconnected meanwhile: asked again after the rejoin
      );
    };
    askPresence.current = presence ? ask : () => undefined;
    const leave = client.subscribe(room, (frame) => {
      if (!live) return;
      onFrame.current?.(frame);
      if (frame.type === 'message') {
        setState((s) => {
          const messages = s.messages.length >= keep ? s.messages.slice(s.messages.length - keep + 1) : s.messages.slice();
          messages.push(frame as unknown as MessageFrame<T>);
          return { ...s, messages };
        });
      } else if (presence && frame.type === 'presence' && (frame as { event?: unknown }).event !== undefined) {
        setState((s) => ({ ...s, presence: applyPresenceEvent(s.presence, frame as unknown as PresenceFrame) }));
      }
    });
    leave.ready.then(
      () => {
        if (!live) return;
        setState((s) => ({ ...s, status: 'joined', error: undefined }));
        if (presence) ask();
      },
      (error: Error) => { if (live) setState((s) => ({ ...s, status: 'error', error })); },
    );
    const offRejoin = client.on('resubscribed', (r) => {
      if (!live || r.room !== room) return;
      setState((s) => ({ ...s, status: 'joined', recovered: r.recovered }));
    });
    // `connected` comes once every room is joined again: who is there is asked then.
    const offBack = client.on('connected', ({ reconnected }) => { if (live && reconnected && presence) ask(); });
    return () => {
      live = false;
      askPresence.current = () => undefined;
      offRejoin();
      offBack();
      leave();
    };
  }, [client, room, enabled, presence, keep]);

  const publish = useCallback((data: T) => client.publish(room, data), [client, room]);
  const refreshPresence = useCallback(() => askPresence.current(), []);
  return { ...state, publish, refreshPresence };
}
