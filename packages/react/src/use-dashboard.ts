/**
 * `useDashboard(scope, entity)`: a live analytics dashboard, for a client connected to
 * `/ws/analytics/<scope>/<entity>`. The server pushes a snapshot at connect and after every
 * event that changes it; the hook keeps the latest, asks for the current one when it mounts (the
 * connect snapshot may have come before), and sets its filters again after a reconnect (a new
 * session starts from the URL's query).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { Dashboard, type SnapshotFrame } from '@actorwire/client';
import { useClient } from './connection.js';
import { errorOf } from './frame-error.js';

export type DashboardFilters = Record<string, string | number | null>;

export interface DashboardState<P> {
  data: SnapshotFrame<P> | undefined;
  error: Error | undefined;
  loading: boolean;
  /** Query the upstream again now (never from the cache). */
  refresh(): Promise<void>;
  /** Merge filters into the dashboard's (`""`/null removes one) and fetch; kept across reconnects. */
  setFilters(filters: DashboardFilters): Promise<void>;
}

interface Inner<P> {
  data: SnapshotFrame<P> | undefined;
  error: Error | undefined;
  loading: boolean;
}

export function useDashboard<P = unknown>(scope: string, entity: string): DashboardState<P> {
  const client = useClient();
  const [state, setState] = useState<Inner<P>>({ data: undefined, error: undefined, loading: true });
  const filters = useRef<DashboardFilters>({});
  const board = useRef<Dashboard<P> | undefined>(undefined);
  const live = useRef(false);

  const settle = useCallback((p: Promise<SnapshotFrame<P>>): Promise<void> => {
    setState((s) => ({ ...s, loading: true }));
    return p.then(
      (data) => { if (live.current) setState({ data, error: undefined, loading: false }); },
      (error: Error) => { if (live.current) setState((s) => ({ ...s, error, loading: false })); },
    );
  }, []);

  useEffect(() => {
    live.current = true;
    const d = new Dashboard<P>(client, scope, entity);
    board.current = d;
    filters.current = {};
    const offSnapshot = d.onSnapshot((data) => { if (live.current) setState({ data, error: undefined, loading: false }); });
    const offError = d.onError((f) => {
      if (!live.current) return;
      setState((s) => ({ ...s, error: errorOf(f, 'dashboard error'), loading: false }));
    });
    // The current snapshot (from the cache when fresh): the one pushed at connect may be gone by.
    void settle(d.fetch({}));
    const offBack = client.on('connected', ({ reconnected }) => {
      if (live.current && reconnected && Object.keys(filters.current).length > 0) void settle(d.fetch(filters.current));
    });
    return () => {
      live.current = false;
      board.current = undefined;
      offSnapshot();
      offError();
      offBack();
    };
  }, [client, scope, entity, settle]);

  const refresh = useCallback(() => (board.current ? settle(board.current.refresh()) : Promise.resolve()), [settle]);
  const setFilters = useCallback((more: DashboardFilters) => {
    const merged: DashboardFilters = { ...filters.current };
    for (const [k, v] of Object.entries(more)) {
      if (v === null || v === '') delete merged[k];
      else merged[k] = v;
    }
    filters.current = merged;
    return board.current ? settle(board.current.fetch(more)) : Promise.resolve();
  }, [settle]);
  return { ...state, refresh, setFilters };
}
