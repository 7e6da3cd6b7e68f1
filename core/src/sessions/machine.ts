/**
 * The session actor: lifecycle and control decisions of one connection.
 *
 *   connecting → authenticating → ready (heartbeat ∥ subscriptions) → closing → closed
 *
 * The actor is never on the data path (the hot-path rule in core/README.md): data messages read
 * `session.phase`, which entry actions keep current; the actor only gets events when
 * something changes (auth, heartbeat state, subscription count, expiry, close).
 */
import { assign, setup } from 'xstate';
import { CloseCodes, protocolError } from '../errors.js';

/** What the machine needs from the session it controls. */
export interface SessionControl {
  phase: string;
  heartbeat: 'alive' | 'awaitingPong';
  readonly subscriptionCount: number;
  readonly authenticated: boolean;
  setPhase(phase: 'connecting' | 'authenticating' | 'ready' | 'closing' | 'closed'): void;
  ping(): void;
  reportError(err: ReturnType<typeof protocolError>): void;
  endSocket(code: number, reason: string): void;
  onClosed(): void;
}

export interface SessionMachineInput {
  control: SessionControl;
  authRequired: boolean;
  authTimeout: number;
  maxSubscriptions: number;
}

export type SessionEvent =
  | { type: 'OPEN' }
  | { type: 'AUTHENTICATED' }
  | { type: 'HEARTBEAT_IDLE' }
  | { type: 'HEARTBEAT_OK' }
  | { type: 'HEARTBEAT_DEAD' }
  | { type: 'TOKEN_EXPIRED' }
  | { type: 'SUBSCRIPTIONS_CHANGED' }
  | { type: 'CLOSE'; code: number; reason: string }
  | { type: 'SOCKET_CLOSED' };

interface Ctx extends SessionMachineInput {
  closeCode: number;
  closeReason: string;
}

export const sessionMachine = setup({
  types: {} as { context: Ctx; events: SessionEvent; input: SessionMachineInput },
  delays: {
    authTimeout: ({ context }) => context.authTimeout,
  },
  guards: {
    mayProceed: ({ context }) => !context.authRequired || context.control.authenticated,
    atLimit: ({ context }) => context.maxSubscriptions > 0 && context.control.subscriptionCount >= context.maxSubscriptions,
  },
  actions: {
    phase: ({ context }, p: { phase: 'connecting' | 'authenticating' | 'ready' | 'closing' | 'closed' }) => context.control.setPhase(p.phase),
    endSocket: ({ context }) => context.control.endSocket(context.closeCode, context.closeReason),
    finish: ({ context }) => context.control.onClosed(),
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
      entry: { type: 'phase', params: { phase: 'connecting' } },
      on: { OPEN: 'authenticating' },
    },
    authenticating: {
      entry: { type: 'phase', params: { phase: 'authenticating' } },
      always: { guard: 'mayProceed', target: 'ready' },
      on: { AUTHENTICATED: 'ready' },
      after: {
        authTimeout: {
          target: 'closing',
          actions: [
            ({ context }) => context.control.reportError(protocolError('UNAUTHORIZED', 'authentication timeout')),
            assign({ closeCode: CloseCodes.AUTH_TIMEOUT, closeReason: 'authentication timeout' }),
          ],
        },
      },
    },
    ready: {
      type: 'parallel',
      entry: { type: 'phase', params: { phase: 'ready' } },
      on: {
        TOKEN_EXPIRED: {
          target: 'closing',
          actions: [
            ({ context }) => context.control.reportError(protocolError('UNAUTHORIZED', 'token expired')),
            assign({ closeCode: CloseCodes.UNAUTHORIZED, closeReason: 'token expired' }),
          ],
        },
      },
      states: {
        heartbeat: {
          initial: 'alive',
          states: {
            alive: {
              entry: ({ context }) => { context.control.heartbeat = 'alive'; },
              on: { HEARTBEAT_IDLE: 'awaitingPong' },
            },
            awaitingPong: {
              entry: ({ context }) => { context.control.heartbeat = 'awaitingPong'; context.control.ping(); },
              on: {
                HEARTBEAT_OK: 'alive',
                HEARTBEAT_DEAD: {
                  target: '#session.closing',
                  actions: assign({ closeCode: CloseCodes.GOING_AWAY, closeReason: 'heartbeat timeout' }),
                },
              },
            },
          },
        },
        subscriptions: {
          initial: 'open',
          states: {
            open: { on: { SUBSCRIPTIONS_CHANGED: { guard: 'atLimit', target: 'full' } } },
            full: { on: { SUBSCRIPTIONS_CHANGED: { guard: ({ context }) => !(context.maxSubscriptions > 0 && context.control.subscriptionCount >= context.maxSubscriptions), target: 'open' } } },
          },
        },
      },
    },
    closing: {
      entry: [{ type: 'phase', params: { phase: 'closing' } }, 'endSocket'],
      on: { CLOSE: {} },
    },
    closed: {
      type: 'final',
      entry: [{ type: 'phase', params: { phase: 'closed' } }, 'finish'],
    },
  },
});
