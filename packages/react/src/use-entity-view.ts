/**
 * `useEntityView(entity, { query } | { id })`: a live entity snapshot, for a client connected to
 * an entity route (`/ws/<entity>/<section>`). It asks for the list (with `query`) or the detail
 * (with `id`), then takes the snapshots the server pushes when a change touches that view, and
 * asks again after a reconnect (the server forgets a closed session's views).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { EntityView, type SnapshotFrame } from '@actorwire/client';
import { useClient } from './connection.js';
import { errorOf } from './frame-error.js';

export type ViewQuery = Record<string, string | number | boolean>;

export type EntityViewOptions =
  | { id: string | number; query?: undefined; enabled?: boolean }
  | { id?: undefined; query?: ViewQuery; enabled?: boolean };

export interface ViewState<P> {
  /** The latest snapshot (its `payload` is the upstream's body); undefined until the first. */
  data: SnapshotFrame<P> | undefined;
  /** The last failure (`error.code`: UPSTREAM_TIMEOUT, NOT_FOUND, …); cleared by the next snapshot. */
  error: Error | undefined;
  loading: boolean;
  /** Ask again now. */
  reload(): void;
}

interface Inner<P> {
  data: SnapshotFrame<P> | undefined;
  error: Error | undefined;
  loading: boolean;
}

/** A query's identity: the same entries in any order, values as strings (as the server echoes them). */
function queryKey(q: Record<string, unknown> | undefined): string {
  return JSON.stringify(Object.entries(q ?? {}).map(([k, v]) => [k, String(v)]).sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0)));
}

export function useEntityView<P = unknown>(entity: string, options: EntityViewOptions = {}): ViewState<P> {
  const client = useClient();
  const id = options.id === undefined ? undefined : String(options.id);
  const key = queryKey(options.query);
  const enabled = options.enabled ?? true;
  const [state, setState] = useState<Inner<P>>({ data: undefined, error: undefined, loading: enabled });
  const query = useRef(options.query);
  query.current = options.query;
  const load = useRef<() => void>(() => undefined);

  useEffect(() => {
    if (!enabled) return;
    let live = true;
    const view = new EntityView<P>(client, entity);
    const mine = (f: SnapshotFrame<P>) =>
      id !== undefined ? f.entity_id === id : f.entity_id === undefined && f.action !== 'detail' && queryKey(f.query) === key;
    const ask = () => {
      setState((s) => ({ ...s, loading: true }));
      (id !== undefined ? view.detail(id) : view.list(query.current ?? {})).then(
        (data) => { if (live) setState({ data, error: undefined, loading: false }); },
        (error: Error) => { if (live) setState((s) => ({ ...s, error, loading: false })); },
      );
    };
    load.current = ask;
    ask();
    const offUpdate = view.onUpdate((f) => { if (live && mine(f)) setState({ data: f, error: undefined, loading: false }); });
    // A failure about no view in particular (the change stream stopped) concerns every view.
    const concerns = (f: SnapshotFrame<P>) => (f.entity_id === undefined && f.query === undefined) || mine(f);
    const offError = view.onError((f) => { if (live && concerns(f as SnapshotFrame<P>)) setState((s) => ({ ...s, error: errorOf(f, 'view error') })); });
    const offBack = client.on('connected', ({ reconnected }) => { if (live && reconnected) ask(); });
    return () => {
      live = false;
      load.current = () => undefined;
      offUpdate();
      offError();
      offBack();
    };
  }, [client, entity, id, key, enabled]);

  const reload = useCallback(() => load.current(), []);
  return { ...state, reload };
}
