/**
 * The session runtime held against XState itself. The same scripted lifetimes run through
 * `createActor(machine, { clock: new SimulatedClock() })` — XState's own interpreter — and through
 * `MachineActor` on one shared `MachineRuntime` (start plans, transition plans, the timer wheel),
 * and after every step both must show the same state value, status, context, pending delayed
 * events (type and due time) and the same calls to the host, in the same order.
 *
 * A start plan is only replayed when the guards XState evaluated for it answer the same on the
 * new session (the guard trace); the variant machine below has a start guard reading a context
 * field nothing else looks at, so a runtime that replayed by any coarser key would put its second
 * session in the wrong state.
 */
import t from 'tap';
import { assign, createActor, setup, SimulatedClock, type AnyActorRef } from 'xstate';
import { createSessionMachine, type SessionEvent, type SessionHost, type SessionMachine, type SessionMachineInput } from '../src/sessions/machine.js';
import { MachineActor, MachineRuntime, ManualClock } from '@actorwire/actors';
import type { ActorwireError } from '@actorwire/errors';

const T0 = 1_000_000;
const timing = { authTimeout: 1_000, pingInterval: 5_000, pongWait: 8_000, maxSubscriptions: 2 };

/** Records, in order, everything the machine asks of the world. */
class Host implements SessionHost {
  readonly log: string[] = [];
  private readonly activity = new Map<string, number>();
  constructor(readonly now: () => number) {}
  lastActivity(id: string) { return this.activity.get(id) ?? this.now(); }
  ping(id: string) { this.log.push(`${id} ping`); }
  report(id: string, err: ActorwireError) { this.log.push(`${id} report ${err.code} ${err.message}`); }
  endSocket(id: string, code: number, reason: string) { this.log.push(`${id} end ${code} ${reason}`); }
  closed(id: string) { this.log.push(`${id} closed`); }
  touch(id: string) { this.activity.set(id, this.now()); }
  callsOf(id: string) { return this.log.filter((l) => l.startsWith(`${id} `)); }
}

interface View { status: string; value: unknown; context: unknown; timers: string[] }

/** One way of running sessions: XState's interpreter, or the kernel's runtime. */
interface World {
  readonly host: Host;
  start(input: SessionMachineInput): void;
  send(id: string, event: SessionEvent): void;
  advance(ms: number): void;
  view(id: string): View;
}

type MachineFactory = (host: SessionHost) => SessionMachine;

/** createActor per session on one SimulatedClock; each actor's clock records what its scheduler set. */
function xstateWorld(make: MachineFactory): World {
  const clock = new SimulatedClock();
  clock.set(T0);
  const host = new Host(() => clock.now());
  const machine = make(host);
  const actors = new Map<string, { actor: AnyActorRef; timers: Map<unknown, { type: string; at: number }> }>();
  return {
    host,
    start(input) {
      host.touch(input.sessionId);
      const timers = new Map<unknown, { type: string; at: number }>();
      // The scheduler stores the event in the system's snapshot, then asks the clock: the newest
      // stored event is the one a setTimeout is for.
      let actor: AnyActorRef;
      const recording = {
        setTimeout(fn: () => void, ms: number) {
          const events = Object.values((actor.system as unknown as { _snapshot: { _scheduledEvents: Record<string, { event: { type: string } }> } })._snapshot._scheduledEvents);
          const id = clock.setTimeout(() => { timers.delete(id); fn(); }, ms);
          timers.set(id, { type: events[events.length - 1]!.event.type, at: clock.now() + ms });
          return id;
        },
        clearTimeout(id: unknown) {
          timers.delete(id);
          clock.clearTimeout(id as number);
        },
      };
      actor = createActor(machine, { clock: recording, input });
      actors.set(input.sessionId, { actor, timers });
      actor.start();
    },
    send(id, event) { actors.get(id)!.actor.send(event); },
    advance(ms) {
      // SimulatedClock.increment fires everything due with now() at the end of the span; guards and
      // delays read the time, so step from due time to due time as real time would pass.
      const target = clock.now() + ms;
      const pending = (clock as unknown as { timeouts: Map<number, { start: number; timeout: number }> }).timeouts;
      for (;;) {
        let next = Infinity;
        for (const { start, timeout } of pending.values()) next = Math.min(next, start + timeout);
        if (next > target) break;
        clock.set(Math.max(next, clock.now()));
      }
      clock.set(target);
    },
    view(id) {
      const { actor, timers } = actors.get(id)!;
      const s = actor.getSnapshot() as { status: string; value: unknown; context: unknown };
      return { status: s.status, value: s.value, context: s.context, timers: [...timers.values()].map((x) => `${x.type}@${x.at}`).sort() };
    },
  };
}

/** SessionActors on one MachineRuntime (plans on) and a 1 ms wheel. */
function runtimeWorld(make: MachineFactory): World & { runtime: MachineRuntime } {
  const clock = new ManualClock({ resolution: 1, start: T0 });
  const host = new Host(() => clock.now());
  const runtime = new MachineRuntime(make(host), clock);
  runtime.onError = (err) => { throw err; };
  const actors = new Map<string, MachineActor>();
  return {
    host,
    runtime,
    start(input) {
      host.touch(input.sessionId);
      const actor = new MachineActor(runtime);
      actors.set(input.sessionId, actor);
      actor.start(input);
    },
    send(id, event) { actors.get(id)!.send(event); },
    advance(ms) { clock.advance(ms); },
    view(id) {
      const a = actors.get(id)!;
      const s = a.getSnapshot();
      return { status: s.status, value: s.value, context: s.context, timers: a.scheduledEvents().map((x) => `${x.type}@${x.at}`).sort() };
    },
  };
}

type Step =
  | { start: SessionMachineInput }
  | { send: SessionEvent; to: string }
  | { advance: number }
  | { touch: string };

/** Run `steps` in both worlds, comparing every started session and the host's log after each. */
function conform(t: Pick<typeof import('tap').default, 'same'>, name: string, make: MachineFactory, steps: Step[]): { runtime: MachineRuntime } {
  const x = xstateWorld(make);
  const r = runtimeWorld(make);
  const ids: string[] = [];
  let n = 0;
  for (const step of steps) {
    n++;
    let what: string;
    if ('start' in step) {
      x.start(step.start);
      r.start(step.start);
      ids.push(step.start.sessionId);
      what = `start ${JSON.stringify(step.start)}`;
    } else if ('send' in step) {
      x.send(step.to, step.send);
      r.send(step.to, step.send);
      what = `${step.to} ← ${JSON.stringify(step.send)}`;
    } else if ('advance' in step) {
      x.advance(step.advance);
      r.advance(step.advance);
      what = `+${step.advance} ms`;
    } else {
      x.host.touch(step.touch);
      r.host.touch(step.touch);
      what = `${step.touch} active`;
    }
    for (const id of ids) {
      const [xs, rs] = [x.view(id), r.view(id)];
      if (JSON.stringify(xs) !== JSON.stringify(rs)) t.same(rs, xs, `${name}, step ${n} (${what}): session ${id} as XState has it`);
    }
    // Sessions are independent actors: each one's calls in its own order (timers of different
    // sessions due in the same tick fire in no promised order, in XState as on the wheel).
    for (const id of ids) {
      const [xl, rl] = [x.host.callsOf(id), r.host.callsOf(id)];
      if (JSON.stringify(xl) !== JSON.stringify(rl)) t.same(rl, xl, `${name}, step ${n} (${what}): session ${id}'s host calls`);
    }
  }
  t.same([...r.host.log].sort(), [...x.host.log].sort(), `${name}: ${steps.length} steps, the same state, context, timers and host calls after each (${x.host.log.length} host calls)`);
  return r;
}

const make: MachineFactory = (host) => createSessionMachine(host, timing);
const input = (sessionId: string, over: Partial<SessionMachineInput> = {}): SessionMachineInput => ({ sessionId, authRequired: false, authenticated: false, opened: true, ...over });

t.test('lifetimes of the session machine: XState and the runtime agree step by step', async (t) => {
  conform(t, 'heartbeat loss', make, [
    { start: input('a') },
    { advance: 4_999 }, { advance: 1 }, // idle: ping
    { touch: 'a' }, { advance: 2_000 }, // a pong: alive again at the next check
    { advance: 20_000 }, // silent: ping, then 1001
    { send: { type: 'SOCKET_CLOSED' }, to: 'a' },
  ]);
  conform(t, 'auth deadline', make, [
    { start: input('b', { authRequired: true }) },
    { advance: 999 }, { advance: 1 },
    { send: { type: 'SOCKET_CLOSED' }, to: 'b' },
  ]);
  conform(t, 'connect, auth by message, refresh, expiry', make, [
    { start: input('c', { authRequired: true, opened: false }) },
    { send: { type: 'OPEN' }, to: 'c' },
    { advance: 300 },
    { send: { type: 'AUTHENTICATED', expiresAt: T0 + 3_000 }, to: 'c' },
    { advance: 2_000 }, { touch: 'c' },
    { send: { type: 'AUTHENTICATED', expiresAt: T0 + 7_000 }, to: 'c' }, // a refresh re-arms
    { advance: 2_000 }, { touch: 'c' }, { advance: 2_699 }, { advance: 1 },
    { send: { type: 'SOCKET_CLOSED' }, to: 'c' },
  ]);
  conform(t, 'identity at the upgrade, limits, server close', make, [
    { start: input('d', { authRequired: true, authenticated: true, expiresAt: T0 + 60_000 }) },
    { send: { type: 'SUBSCRIPTIONS_CHANGED', count: 2 }, to: 'd' },
    { send: { type: 'SUBSCRIPTIONS_CHANGED', count: 1 }, to: 'd' },
    { send: { type: 'SUBSCRIPTIONS_CHANGED', count: 3 }, to: 'd' },
    { send: { type: 'AUTHENTICATED' }, to: 'd' }, // a refresh without expiry: unbounded
    { advance: 4_000 }, { touch: 'd' },
    { send: { type: 'CLOSE', code: 4000, reason: 'kicked' }, to: 'd' },
    { send: { type: 'CLOSE', code: 4001, reason: 'again' }, to: 'd' },
    { advance: 10_000 },
    { send: { type: 'SOCKET_CLOSED' }, to: 'd' },
    { send: { type: 'OPEN' }, to: 'd' }, // after the end: ignored by both
  ]);
  const r = conform(t, 'many sessions on one runtime: replayed starts and shared transitions', make, [
    ...['e1', 'e2', 'e3'].map((id) => ({ start: input(id) })),
    ...['f1', 'f2'].map((id) => ({ start: input(id, { authRequired: true, opened: false }) })),
    ...['g1', 'g2'].map((id) => ({ start: input(id, { authRequired: true, authenticated: true, expiresAt: T0 + 2_500 }) })),
    { send: { type: 'OPEN' }, to: 'f1' }, { send: { type: 'OPEN' }, to: 'f2' },
    { send: { type: 'AUTHENTICATED', expiresAt: T0 + 1_500 }, to: 'f2' },
    { advance: 1_000 }, { touch: 'e2' }, { advance: 2_000 },
    { send: { type: 'SOCKET_CLOSED' }, to: 'e1' }, { send: { type: 'SOCKET_CLOSED' }, to: 'e3' },
    { advance: 12_000 },
  ]);
  t.ok(r.runtime.starts.replayed >= 4, `starts were replayed (${JSON.stringify(r.runtime.starts)}), so plans were held against XState`);
  t.ok(r.runtime.transitions.replayed >= 1, `transitions were replayed (${JSON.stringify(r.runtime.transitions)})`);
});

interface PriorityInput extends SessionMachineInput { priority: 'high' | 'low' }

/** A machine whose start path depends on a context field the session machine does not have. */
const prioritised: MachineFactory = (host) => setup({
  types: {} as { context: PriorityInput & { hits: number }; events: SessionEvent; input: PriorityInput },
  delays: { soon: 100, later: 5_000 },
  guards: { urgent: ({ context }) => context.priority === 'high' },
  actions: { note: ({ context }) => host.ping(context.sessionId) },
}).createMachine({
  id: 'prioritised',
  context: ({ input }) => ({ ...input, hits: 0 }),
  initial: 'sorting',
  states: {
    sorting: { always: [{ guard: 'urgent', target: 'fast' }, { target: 'slow' }] },
    fast: { after: { soon: { target: 'done', actions: 'note' } } },
    slow: { after: { later: { target: 'done', actions: 'note' } }, on: { OPEN: { actions: assign({ hits: ({ context }) => context.hits + 1 }) } } },
    done: { type: 'final' },
  },
}) as unknown as SessionMachine;

t.test('a start guard that reads another field: each session starts where XState starts it', async (t) => {
  const r = conform(t, 'priority', prioritised, [
    { start: { ...input('low-1'), priority: 'low' } as PriorityInput },
    { start: { ...input('high-1'), priority: 'high' } as PriorityInput }, // a coarser key would replay low-1's start here
    { start: { ...input('low-2'), priority: 'low' } as PriorityInput },
    { start: { ...input('high-2'), priority: 'high' } as PriorityInput },
    { send: { type: 'OPEN' }, to: 'low-2' },
    { advance: 100 }, { advance: 4_900 },
  ]);
  t.same(r.runtime.starts, { computed: 2, replayed: 2 }, 'one plan per path, each replayed for the session whose guards answer the same');
});
