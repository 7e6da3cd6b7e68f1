/**
 * The session machine: the lifecycle of one connection, and the only place it is decided.
 *
 *   connecting → authenticating → ready ( heartbeat ∥ credential ∥ subscriptions ) → closing → closed
 *
 * - authenticating: closes with 4408 when the auth deadline passes first.
 * - heartbeat: alive → (silent for pingInterval) awaitingPong, which pings → (silent for
 *   pongWait) closing 1001; any inbound activity in between returns it to alive.
 * - credential: closes with 4401 when the identity's `expiresAt` passes; a refresh
 *   (AUTHENTICATED again) re-arms it.
 * - subscriptions: open ⇄ full at the per-connection limit. The session tells the machine the
 *   count only when it crosses the limit (SUBSCRIPTIONS_CHANGED): a count that changes nothing
 *   costs no event.
 *
 * The machine is shaped for few microsteps, since a connect pays for each: the socket that is
 * already open starts it with `opened` (connecting passes straight on), and the credential
 * region is entered at `expiring` or `unbounded` directly rather than through an eventless choice.
 *
 * Deadlines are XState delayed transitions (`after`), scheduled on the kernel's shared timer
 * wheel (`@actorwire/actors`). The machine is never on the data path (the hot-path rule):
 * inbound frames only stamp the session's last-activity time, which the heartbeat reads when
 * its timer fires; data messages read the actor's state, they send it no event.
 *
 * The context is plain data (ids, flags, numbers), so a snapshot can be inspected and
 * persisted. What the machine does to the world goes through a `SessionHost`, one per
 * kernel, which finds the session by id.
 */
import { assign, setup } from 'xstate';
import { CloseCodes, protocolError, type ActorwireError } from '@actorwire/errors';

/** What the machine asks of the server, for the session `id`. */
export interface SessionHost {
  /** The time, on the clock the timers run on. */
  now(): number;
  /** When the session last showed activity (a message or a pong), on the same clock. */
  lastActivity(id: string): number;
  /** Send a WebSocket ping. */
  ping(id: string): void;
  /** Tell the client why it is about to be closed. */
  report(id: string, err: ActorwireError): void;
  /** Close the socket (idempotent). */
  endSocket(id: string, code: number, reason: string): void;
  /** The session reached `closed`: release it. */
  closed(id: string): void;
}

/** Kernel-wide limits: the same for every session, so they live in the machine, not in each context. */
export interface SessionTiming {
  authTimeout: number;
  pingInterval: number;
  pongWait: number;
  /** 0: no limit. */
  maxSubscriptions: number;
}

export interface SessionMachineInput {
  sessionId: string;
  authRequired: boolean;
  /** An identity was established before the socket opened (at the upgrade). */
  authenticated: boolean;
  /** Unix epoch ms after which the identity is no longer valid. */
  expiresAt?: number;
  /** The socket is open already: start past `connecting` (no OPEN event needed). */
  opened?: boolean;
}

export interface SessionContext extends SessionMachineInput {
  closeCode: number;
  closeReason: string;
}

export type SessionEvent =
  | { type: 'OPEN' }
  | { type: 'AUTHENTICATED'; expiresAt?: number }
  | { type: 'SUBSCRIPTIONS_CHANGED'; count: number }
  | { type: 'CLOSE'; code: number; reason: string }
  | { type: 'SOCKET_CLOSED' };

export type SessionPhaseName = 'connecting' | 'authenticating' | 'ready' | 'closing' | 'closed';

export function createSessionMachine(host: SessionHost, timing: SessionTiming) {
  const silentFor = (id: string): number => host.now() - host.lastActivity(id);
  const closeWith = (code: number, reason: string) => ({ type: 'closeWith', params: { code, reason } }) as const;
  /** Tell the client UNAUTHORIZED `reason`, then close with `code` (auth deadline, token expiry). */
  const refuse = (code: number, reason: string) =>
    [{ type: 'report', params: protocolError('UNAUTHORIZED', reason) }, closeWith(code, reason)] as const;

  return setup({
    types: {} as { context: SessionContext; events: SessionEvent; input: SessionMachineInput },
    delays: {
      authDeadline: () => timing.authTimeout,
      // When the session will have been silent for pingInterval (0: already).
      idleAt: ({ context }) => Math.max(0, timing.pingInterval - silentFor(context.sessionId)),
      deadAt: ({ context }) => Math.max(0, timing.pongWait - silentFor(context.sessionId)),
      expiry: ({ context }) => Math.max(0, (context.expiresAt ?? 0) - host.now()),
    },
    guards: {
      opened: ({ context }) => context.opened === true,
      mayProceed: ({ context }) => !context.authRequired || context.authenticated,
      /** mayProceed, with an identity that expires. */
      proceedExpiring: ({ context }) => (!context.authRequired || context.authenticated) && context.expiresAt !== undefined,
      idle: ({ context }) => silentFor(context.sessionId) >= timing.pingInterval,
      dead: ({ context }) => silentFor(context.sessionId) >= timing.pongWait,
      /** The identity an AUTHENTICATED event brings expires. */
      credentialExpires: ({ event }) => event.type === 'AUTHENTICATED' && event.expiresAt !== undefined,
      atLimit: ({ event }) => event.type === 'SUBSCRIPTIONS_CHANGED' && timing.maxSubscriptions > 0 && event.count >= timing.maxSubscriptions,
    },
    actions: {
      ping: ({ context }) => host.ping(context.sessionId),
      report: ({ context }, err: ActorwireError) => host.report(context.sessionId, err),
      endSocket: ({ context }) => host.endSocket(context.sessionId, context.closeCode, context.closeReason),
      finish: ({ context }) => host.closed(context.sessionId),
      closeWith: assign((_, p: { code: number; reason: string }) => ({ closeCode: p.code, closeReason: p.reason })),
      storeCredential: assign(({ context, event }) =>
        event.type === 'AUTHENTICATED' ? { authenticated: true, expiresAt: event.expiresAt } : context),
    },
  }).createMachine({
    id: 'session',
    context: ({ input }) => ({ ...input, closeCode: CloseCodes.NORMAL, closeReason: '' }),
    initial: 'connecting',
    on: {
      CLOSE: { target: '.closing', actions: assign({ closeCode: ({ event }) => event.code, closeReason: ({ event }) => event.reason }) },
      SOCKET_CLOSED: { target: '.closed' },
    },
    states: {
      connecting: {
        always: { guard: 'opened', target: 'authenticating' },
        on: { OPEN: 'authenticating' },
      },
      authenticating: {
        always: [
          { guard: 'proceedExpiring', target: 'ready.credential.expiring' },
          { guard: 'mayProceed', target: 'ready' },
        ],
        on: {
          AUTHENTICATED: [
            { guard: 'credentialExpires', target: 'ready.credential.expiring', actions: 'storeCredential' },
            { target: 'ready', actions: 'storeCredential' },
          ],
        },
        after: {
          authDeadline: {
            target: 'closing',
            actions: refuse(CloseCodes.AUTH_TIMEOUT, 'authentication timeout'),
          },
        },
      },
      ready: {
        type: 'parallel',
        states: {
          heartbeat: {
            initial: 'alive',
            states: {
              alive: {
                after: {
                  idleAt: [
                    { guard: 'idle', target: 'awaitingPong' },
                    // Activity since the timer was set: wait for the new silence to grow.
                    { target: 'alive', reenter: true },
                  ],
                },
              },
              awaitingPong: {
                entry: 'ping',
                after: {
                  deadAt: [
                    { guard: 'dead', target: '#session.closing', actions: closeWith(CloseCodes.GOING_AWAY, 'heartbeat timeout') },
                    { target: 'alive' },
                  ],
                },
              },
            },
          },
          credential: {
            initial: 'unbounded',
            on: {
              AUTHENTICATED: [
                // reenter: a fresh token restarts the expiry timer.
                { guard: 'credentialExpires', target: '.expiring', reenter: true, actions: 'storeCredential' },
                { target: '.unbounded', actions: 'storeCredential' },
              ],
            },
            states: {
              unbounded: {},
              expiring: {
                after: {
                  expiry: {
                    target: '#session.closing',
                    actions: refuse(CloseCodes.UNAUTHORIZED, 'token expired'),
                  },
                },
              },
            },
          },
          subscriptions: {
            initial: 'open',
            on: { SUBSCRIPTIONS_CHANGED: [{ guard: 'atLimit', target: '.full' }, { target: '.open' }] },
            states: {
              open: {},
              full: {},
            },
          },
        },
      },
      closing: {
        entry: 'endSocket',
        on: { CLOSE: {} },
      },
      closed: {
        type: 'final',
        entry: 'finish',
      },
    },
  });
}

export type SessionMachine = ReturnType<typeof createSessionMachine>;
