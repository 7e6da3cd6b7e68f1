/**
 * The provider and the connection's state. The app creates the client (one per app, outside
 * React: StrictMode mounts twice, and a client made in a render would be made twice) and hands
 * it to `<ActorwireProvider>`; the provider starts it, the hooks read it from context.
 */
import { createContext, createElement, useContext, useEffect, useSyncExternalStore, type ReactNode } from 'react';
import type { ActorwireClient, ClientState } from '@actorwire/client';

const ClientContext = createContext<ActorwireClient | null>(null);

export interface ActorwireProviderProps {
  client: ActorwireClient;
  /** Call `client.connect()` when mounted (default true). The provider never closes the client: the app owns it. */
  connect?: boolean;
  children?: ReactNode;
}

export function ActorwireProvider({ client, connect = true, children }: ActorwireProviderProps): ReactNode {
  useEffect(() => {
    // A refusal (bad token, …) is reported through the status (`closed`, `lastClose`) and the client's `error` event.
    if (connect && (client.state === 'idle' || client.state === 'closed')) client.connect().catch(() => undefined);
  }, [client, connect]);
  return createElement(ClientContext.Provider, { value: client }, children);
}

/** The provider's client; throws outside a provider (a hook there would silently do nothing). */
export function useClient(): ActorwireClient {
  const client = useContext(ClientContext);
  if (client === null) throw new Error('@actorwire/react: this hook needs an <ActorwireProvider client={…}> above it');
  return client;
}

export interface ConnectionStatus {
  state: ClientState;
  /** The server's id for this connection and the user it authenticated (once connected). */
  clientId: string | undefined;
  userId: string | undefined;
  /** True once connected again after a drop. */
  reconnected: boolean;
  /** How the last connection ended: its close code, reason, what it means, whether the client retries. */
  lastClose: { code: number; reason: string; meaning: string; willReconnect: boolean } | undefined;
}

/** One status per client, shared by every component that reads it; listens only while read. */
class StatusStore {
  private value: ConnectionStatus;
  private readonly readers = new Set<() => void>();
  private off: Array<() => void> = [];

  constructor(private readonly client: ActorwireClient) {
    this.value = { state: client.state, clientId: client.clientId, userId: client.userId, reconnected: false, lastClose: undefined };
  }

  readonly snapshot = (): ConnectionStatus => this.value;

  readonly subscribe = (reader: () => void): (() => void) => {
    if (this.readers.size === 0) this.listen();
    this.readers.add(reader);
    // The client may have moved on between the render and this subscription.
    this.update({});
    return () => {
      this.readers.delete(reader);
      if (this.readers.size === 0) this.unlisten();
    };
  };

  private listen(): void {
    const c = this.client;
    this.off = [
      c.on('connecting', () => this.update({})),
      c.on('connected', ({ clientId, userId, reconnected }) => this.update({ clientId, userId, reconnected })),
      c.on('disconnected', (close) => this.update({ lastClose: close })),
      c.on('authenticated', ({ userId }) => this.update({ userId })),
    ];
  }

  private unlisten(): void {
    for (const off of this.off) off();
    this.off = [];
  }

  private update(change: Partial<ConnectionStatus>): void {
    const next: ConnectionStatus = { ...this.value, ...change, state: this.client.state };
    const prev = this.value;
    if (next.state === prev.state && next.clientId === prev.clientId && next.userId === prev.userId && next.reconnected === prev.reconnected && next.lastClose === prev.lastClose) return;
    this.value = next;
    for (const reader of this.readers) reader();
  }
}

const stores = new WeakMap<ActorwireClient, StatusStore>();

function storeOf(client: ActorwireClient): StatusStore {
  let store = stores.get(client);
  if (store === undefined) stores.set(client, (store = new StatusStore(client)));
  return store;
}

/** The client and its connection's state; the component renders again when the state changes. */
export function useActorwire(): ConnectionStatus & { client: ActorwireClient } {
  const client = useClient();
  const store = storeOf(client);
  const status = useSyncExternalStore(store.subscribe, store.snapshot, store.snapshot);
  return { ...status, client };
}
