/**
 * The session machine on its own: a simulated clock, a host that records what the machine
 * asks of it, no sockets and no sleeping.
 */
import t from 'tap';
import { createSessionMachine, type SessionHost, type SessionMachineInput } from '../src/sessions/machine.js';
import { MachineActor, MachineRuntime, ManualClock } from '@actorwire/actors';
import type { ActorwireError } from '@actorwire/errors';

const timing = { authTimeout: 1_000, pingInterval: 5_000, pongWait: 8_000, maxSubscriptions: 2 };

class RecordingHost implements SessionHost {
  readonly activity = new Map<string, number>();
  readonly pings: string[] = [];
  readonly reports: Array<{ id: string; code: string; error: string }> = [];
  readonly ended: Array<{ id: string; code: number; reason: string }> = [];
  readonly closedIds: string[] = [];
  constructor(readonly clock: ManualClock) {}
  now() { return this.clock.now(); }
  lastActivity(id: string) { return this.activity.get(id) ?? this.clock.now(); }
  ping(id: string) { this.pings.push(id); }
  report(id: string, err: ActorwireError) { this.reports.push({ id, code: err.code, error: err.message }); }
  endSocket(id: string, code: number, reason: string) { this.ended.push({ id, code, reason }); }
  closed(id: string) { this.closedIds.push(id); }
  /** The client sent something now. */
  touch(id: string) { this.activity.set(id, this.clock.now()); }
}

function setupMachine(input: Partial<SessionMachineInput> = {}) {
  const clock = new ManualClock({ resolution: 100, start: 1_000_000 });
  const host = new RecordingHost(clock);
  const runtime = new MachineRuntime(createSessionMachine(host, timing), clock);
  const errors: unknown[] = [];
  runtime.onError = (err) => errors.push(err);
  const actor = new MachineActor(runtime);
  host.touch('s1');
  actor.start({ sessionId: 's1', authRequired: false, authenticated: false, ...input });
  actor.send({ type: 'OPEN' });
  return { clock, host, actor, errors };
}

t.test('no auth required: OPEN goes straight to ready with every region at its start', async (t) => {
  const { actor, clock } = setupMachine();
  t.same(actor.getSnapshot().value, { ready: { heartbeat: 'alive', credential: 'unbounded', subscriptions: 'open' } });
  t.equal(clock.pending, 1, 'one timer: the heartbeat');
});

t.test('auth deadline: authenticating closes with 4408 when the deadline passes', async (t) => {
  const { actor, clock, host } = setupMachine({ authRequired: true });
  t.equal(actor.getSnapshot().value, 'authenticating');
  clock.advance(900);
  t.equal(actor.getSnapshot().value, 'authenticating', 'not before the deadline');
  clock.advance(100);
  t.equal(actor.getSnapshot().value, 'closing');
  t.same(host.reports, [{ id: 's1', code: 'UNAUTHORIZED', error: 'authentication timeout' }]);
  t.same(host.ended, [{ id: 's1', code: 4408, reason: 'authentication timeout' }]);
  actor.send({ type: 'SOCKET_CLOSED' });
  t.equal(actor.getSnapshot().status, 'done');
  t.same(host.closedIds, ['s1']);
  t.equal(clock.pending, 0, 'no timer left behind');
});

t.test('authenticated before the deadline: ready, and the deadline timer is gone', async (t) => {
  const { actor, clock, host } = setupMachine({ authRequired: true });
  clock.advance(500);
  actor.send({ type: 'AUTHENTICATED' });
  t.ok(actor.getSnapshot().matches('ready'));
  clock.advance(2_000);
  t.ok(actor.getSnapshot().matches('ready'), 'no auth timeout once authenticated');
  t.same(host.ended, []);
});

t.test('heartbeat: silent for pingInterval → ping; silent for pongWait → closed 1001', async (t) => {
  const { actor, clock, host } = setupMachine();
  clock.advance(4_900);
  t.same(host.pings, [], 'no ping before pingInterval of silence');
  clock.advance(100);
  t.same(host.pings, ['s1'], 'pinged once');
  t.ok(actor.getSnapshot().matches({ ready: { heartbeat: 'awaitingPong' } }));
  clock.advance(2_900);
  t.ok(actor.getSnapshot().matches('ready'), 'still open before pongWait');
  clock.advance(100);
  t.equal(actor.getSnapshot().value, 'closing');
  t.same(host.ended, [{ id: 's1', code: 1001, reason: 'heartbeat timeout' }]);
  t.same(host.pings, ['s1'], 'pinged only once');
});

t.test('heartbeat: activity resets the silence without any event; a pong brings it back to alive', async (t) => {
  const { actor, clock, host } = setupMachine();
  // Activity every 3 s: never silent for 5 s, never pinged.
  for (let i = 0; i < 10; i++) {
    clock.advance(3_000);
    host.touch('s1');
  }
  t.same(host.pings, []);
  t.ok(actor.getSnapshot().matches({ ready: { heartbeat: 'alive' } }));
  clock.advance(5_000);
  t.same(host.pings, ['s1'], 'pinged after 5 s of silence');
  clock.advance(1_000);
  host.touch('s1'); // the pong
  clock.advance(2_000);
  t.ok(actor.getSnapshot().matches({ ready: { heartbeat: 'alive' } }), 'answered: alive again at the pong deadline');
  clock.advance(2_900);
  t.same(host.pings, ['s1'], 'not before 5 s of silence after the pong');
  clock.advance(100);
  t.same(host.pings, ['s1', 's1'], 'silent again for 5 s after the pong: pinged again');
  t.same(host.ended, []);
});

t.test('token expiry closes 4401; a refresh with a later expiry re-arms the deadline', async (t) => {
  const start = 1_000_000;
  const { actor, clock, host } = setupMachine({ authenticated: true, expiresAt: start + 3_000 });
  t.ok(actor.getSnapshot().matches({ ready: { credential: 'expiring' } }));
  clock.advance(2_000);
  host.touch('s1');
  actor.send({ type: 'AUTHENTICATED', expiresAt: start + 10_000 });
  clock.advance(2_000);
  host.touch('s1');
  t.ok(actor.getSnapshot().matches('ready'), 'the old expiry no longer applies');
  clock.advance(3_000);
  host.touch('s1');
  clock.advance(3_000);
  t.equal(actor.getSnapshot().value, 'closing');
  t.same(host.reports, [{ id: 's1', code: 'UNAUTHORIZED', error: 'token expired' }]);
  t.same(host.ended, [{ id: 's1', code: 4401, reason: 'token expired' }]);
});

t.test('a refresh without expiry leaves the credential unbounded', async (t) => {
  const { actor } = setupMachine({ authenticated: true, expiresAt: 1_000_000 + 3_000 });
  actor.send({ type: 'AUTHENTICATED' });
  t.ok(actor.getSnapshot().matches({ ready: { credential: 'unbounded' } }));
});

t.test('subscriptions: full at the limit, open again below it', async (t) => {
  const { actor } = setupMachine();
  actor.send({ type: 'SUBSCRIPTIONS_CHANGED', count: 1 });
  t.ok(actor.getSnapshot().matches({ ready: { subscriptions: 'open' } }));
  actor.send({ type: 'SUBSCRIPTIONS_CHANGED', count: 2 });
  t.ok(actor.getSnapshot().matches({ ready: { subscriptions: 'full' } }));
  actor.send({ type: 'SUBSCRIPTIONS_CHANGED', count: 1 });
  t.ok(actor.getSnapshot().matches({ ready: { subscriptions: 'open' } }));
});

t.test('CLOSE: closing with the asked code; a second CLOSE changes nothing; the socket closing ends it', async (t) => {
  const { actor, host, clock } = setupMachine();
  actor.send({ type: 'CLOSE', code: 4403, reason: 'bye' });
  actor.send({ type: 'CLOSE', code: 1000, reason: 'again' });
  t.same(host.ended, [{ id: 's1', code: 4403, reason: 'bye' }]);
  t.equal(clock.pending, 0, 'the heartbeat timer went with ready');
  actor.send({ type: 'SOCKET_CLOSED' });
  t.equal(actor.getSnapshot().status, 'done');
  t.same(host.closedIds, ['s1']);
});

t.test('the snapshot is plain data: it serialises and names its state', async (t) => {
  const { actor } = setupMachine({ authenticated: true, expiresAt: 1_003_000 });
  const persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));
  t.same(persisted.value, { ready: { heartbeat: 'alive', credential: 'expiring', subscriptions: 'open' } });
  t.match(persisted.context, { sessionId: 's1', authenticated: true, expiresAt: 1_003_000, closeCode: 1000 });
});

t.test('the shared scheduler: many sessions, each close cancels only its own timers', async (t) => {
  const clock = new ManualClock({ resolution: 100, start: 0 });
  const host = new RecordingHost(clock);
  const runtime = new MachineRuntime(createSessionMachine(host, timing), clock);
  const actors = Array.from({ length: 1_000 }, (_, i) => {
    const a = new MachineActor(runtime);
    host.touch(`s${i}`);
    a.start({ sessionId: `s${i}`, authRequired: false, authenticated: true, expiresAt: 60_000 });
    a.send({ type: 'OPEN' });
    return a;
  });
  t.equal(clock.pending, 2_000, 'heartbeat + expiry per session');
  for (const a of actors.slice(0, 500)) a.send({ type: 'SOCKET_CLOSED' });
  t.equal(clock.pending, 1_000, 'closed sessions took exactly their timers');
  clock.advance(5_000);
  t.equal(host.pings.length, 500, 'the others are still driven');
  t.ok(host.pings.every((id) => Number(id.slice(1)) >= 500));
});

t.test('the actor runs one event at a time: an event an action sends waits for the transition in progress', async (t) => {
  const { actor, host, clock } = setupMachine();
  const seen: string[] = [];
  // uWebSockets.js calls the close handler from inside ws.end(): the socket closes while
  // the actor is still entering `closing`.
  host.endSocket = (id, code, reason) => {
    seen.push(`end:${actor.getSnapshot().value as string}`);
    host.ended.push({ id, code, reason });
    actor.send({ type: 'SOCKET_CLOSED' });
    seen.push(`after-send:${actor.getSnapshot().status}`);
  };
  actor.send({ type: 'CLOSE', code: 4000, reason: 'x' });
  t.same(seen, ['end:closing', 'after-send:active'], 'SOCKET_CLOSED was queued, not processed inside endSocket');
  t.equal(actor.getSnapshot().status, 'done', 'then processed once the CLOSE transition finished');
  t.same(host.closedIds, ['s1']);
  t.equal(clock.pending, 0);
  t.equal(actor.pendingTimers, 0);
});

t.test('a failing action is reported to the runtime and the actor carries on', async (t) => {
  const { actor, host, clock, errors } = setupMachine();
  host.ping = () => {
    throw new Error('socket exploded');
  };
  clock.advance(5_000);
  t.equal(errors.length, 1);
  t.match(String(errors[0]), /socket exploded/);
  t.ok(actor.getSnapshot().matches({ ready: { heartbeat: 'awaitingPong' } }), 'the transition stood');
  host.touch('s1');
  clock.advance(3_000);
  t.ok(actor.getSnapshot().matches({ ready: { heartbeat: 'alive' } }), 'and the heartbeat still runs');
});

t.test('events before start and after the final state are ignored', async (t) => {
  const clock = new ManualClock({ resolution: 100, start: 0 });
  const host = new RecordingHost(clock);
  const runtime = new MachineRuntime(createSessionMachine(host, timing), clock);
  const actor = new MachineActor(runtime);
  actor.send({ type: 'OPEN' });
  t.throws(() => actor.getSnapshot(), /not started/);
  actor.start({ sessionId: 'a', authRequired: false, authenticated: false });
  t.equal(actor.getSnapshot().value, 'connecting', 'the OPEN before start was not kept');
  actor.send({ type: 'OPEN' });
  actor.send({ type: 'SOCKET_CLOSED' });
  t.equal(actor.getSnapshot().status, 'done');
  actor.send({ type: 'OPEN' });
  t.equal(actor.getSnapshot().status, 'done');
  t.same(host.closedIds, ['a']);
  t.equal(clock.pending, 0);
});

t.test('opened at start: past connecting in the start transition, each region where the input puts it', async (t) => {
  const clock = new ManualClock({ resolution: 100, start: 1_000_000 });
  const host = new RecordingHost(clock);
  const runtime = new MachineRuntime(createSessionMachine(host, timing), clock);
  const start = (input: Partial<SessionMachineInput>) => {
    const a = new MachineActor(runtime);
    a.start({ sessionId: 'x', authRequired: false, authenticated: false, opened: true, ...input });
    return a;
  };
  t.same(start({}).getSnapshot().value, { ready: { heartbeat: 'alive', credential: 'unbounded', subscriptions: 'open' } });
  t.same(start({ authenticated: true, expiresAt: 1_005_000 }).getSnapshot().value, { ready: { heartbeat: 'alive', credential: 'expiring', subscriptions: 'open' } });
  t.equal(start({ authRequired: true, expiresAt: 1_005_000 }).getSnapshot().value, 'authenticating', 'an expiry without an identity does not let it proceed');
  const late = start({ authRequired: true });
  t.equal(late.getSnapshot().value, 'authenticating');
  late.send({ type: 'AUTHENTICATED', expiresAt: 1_002_000 });
  t.same(late.getSnapshot().value, { ready: { heartbeat: 'alive', credential: 'expiring', subscriptions: 'open' } }, 'a late identity that expires: straight to expiring');
  clock.advance(2_000);
  t.equal(late.getSnapshot().value, 'closing', 'and its expiry is armed');
  t.same(host.ended.at(-1), { id: 'x', code: 4401, reason: 'token expired' });
  const lateUnbounded = start({ authRequired: true });
  lateUnbounded.send({ type: 'AUTHENTICATED' });
  t.ok(lateUnbounded.getSnapshot().matches({ ready: { credential: 'unbounded' } }));
});

t.test('a replayed start is XState\'s start: same state, context, timers and behaviour, for every start shape', async (t) => {
  const bools = [false, true];
  for (const opened of bools) for (const authRequired of bools) for (const authenticated of bools) for (const expiring of bools) {
    const name = JSON.stringify({ opened, authRequired, authenticated, expiring });
    const clock = new ManualClock({ resolution: 100, start: 1_000_000 });
    const host = new RecordingHost(clock);
    const runtime = new MachineRuntime(createSessionMachine(host, timing), clock);
    const input = (id: string): SessionMachineInput => ({ sessionId: id, authRequired, authenticated, opened, ...(expiring ? { expiresAt: 1_004_000 } : {}) });
    const computed = new MachineActor(runtime);
    host.touch('a');
    computed.start(input('a'));
    const replayed = new MachineActor(runtime);
    host.touch('b');
    replayed.start(input('b'));
    t.equal(runtime.starts.computed, 1, `${name}: XState computed the first start`);
    t.equal(runtime.starts.replayed, 1, `${name}: the second was replayed`);
    const view = (a: MachineActor) => {
      const p = a.getPersistedSnapshot() as { value: unknown; context: Record<string, unknown>; status: string };
      return { value: p.value, status: p.status, context: { ...p.context, sessionId: 'x' }, timers: a.pendingTimers };
    };
    t.same(view(replayed), view(computed), `${name}: same snapshot and timers`);
    // The same life afterwards: open (if not yet), authenticate late, silence, expiry, close.
    for (const a of [computed, replayed]) a.send({ type: 'OPEN' });
    for (const a of [computed, replayed]) a.send({ type: 'AUTHENTICATED', expiresAt: 1_004_000 });
    t.same(view(replayed), view(computed), `${name}: same after OPEN and AUTHENTICATED`);
    for (let step = 0; step < 10; step++) {
      clock.advance(500);
      t.same(view(replayed), view(computed), `${name}: same at +${(step + 1) * 500} ms`);
    }
    const byId = (id: string) => ({
      pings: host.pings.filter((x) => x === id).length,
      reports: host.reports.filter((x) => x.id === id).map((x) => x.error),
      ended: host.ended.filter((x) => x.id === id).map((x) => x.code),
    });
    t.same(byId('b'), byId('a'), `${name}: the host was asked the same things`);
    for (const a of [computed, replayed]) a.send({ type: 'SOCKET_CLOSED' });
    t.same(view(replayed), view(computed), `${name}: same after SOCKET_CLOSED`);
  }
});

t.test('a start whose actions a plan cannot describe is never replayed', async (t) => {
  const clock = new ManualClock({ resolution: 100, start: 0 });
  const host = new RecordingHost(clock);
  const runtime = new MachineRuntime(createSessionMachine(host, timing), clock);
  const input: SessionMachineInput = { sessionId: 'z', authRequired: false, authenticated: false, opened: true };
  const [snapshot, actions] = runtime.computeInitial(input);
  const planOf = (runtime as unknown as { planOf: (s: unknown, a: unknown[], i: unknown) => unknown }).planOf.bind(runtime);
  t.not(planOf(snapshot, actions, input), null, 'delayed raises only: plannable');
  t.equal(planOf(snapshot, [...actions, { type: 'ping', info: {}, params: undefined, exec: () => {} }], input), null, 'a custom action: not plannable');
  t.equal(planOf({ ...snapshot, context: { ...snapshot.context, closeCode: 4000 } }, actions, input), null, 'a context an action changed: not plannable');
  t.equal(planOf(snapshot, [{ type: 'xstate.cancel', info: {}, params: { sendId: 'nothing' }, exec: undefined }], input), null, 'a cancel of something it did not schedule: not plannable');
  t.equal(planOf({ ...snapshot, status: 'done' }, actions, input), null, 'a start that ended the actor: not plannable');
  // A start no plan can describe is not kept: every later one like it goes through XState.
  (runtime as unknown as { planOf: () => null }).planOf = () => null;
  new MachineActor(runtime).start(input);
  new MachineActor(runtime).start(input);
  t.same(runtime.starts, { computed: 3, replayed: 0 });
});

t.test('starts are replayed on a clock that moves (delays read the clock)', async (t) => {
  const clock = new ManualClock({ resolution: 100, start: 0 });
  const host = new RecordingHost(clock);
  const runtime = new MachineRuntime(createSessionMachine(host, timing), clock);
  // The host's activity clock runs ahead of the wheel while the start is computed, as real time does.
  let skew = 0;
  host.lastActivity = () => clock.now() - (skew += 3);
  for (let i = 0; i < 3; i++) new MachineActor(runtime).start({ sessionId: `s${i}`, authRequired: false, authenticated: true, opened: true });
  t.same(runtime.starts, { computed: 1, replayed: 2 });
});

t.test('planned transitions and shared configurations behave exactly as XState alone, event for event', async (t) => {
  // The same script on two runtimes: one replaying plans, one computing every step with XState.
  const run = (plans: boolean) => {
    const clock = new ManualClock({ resolution: 100, start: 1_000_000 });
    const host = new RecordingHost(clock);
    const runtime = new MachineRuntime(createSessionMachine(host, timing), clock, plans);
    const trace: unknown[] = [];
    const actors = Array.from({ length: 6 }, (_, i) => {
      const a = new MachineActor(runtime);
      host.touch(`s${i}`);
      a.start({ sessionId: `s${i}`, authRequired: i % 3 === 2, authenticated: i % 3 !== 2, opened: true, ...(i % 2 ? { expiresAt: 1_009_000 } : {}) });
      return a;
    });
    const snap = () => actors.map((a) => {
      const p = a.getPersistedSnapshot() as { value: unknown; status: string; context: unknown };
      return { value: p.value, status: p.status, context: p.context, timers: a.pendingTimers };
    });
    trace.push(snap());
    actors[2]!.send({ type: 'AUTHENTICATED', expiresAt: 1_004_000 });
    actors[0]!.send({ type: 'SUBSCRIPTIONS_CHANGED', count: 2 });
    actors[0]!.send({ type: 'SUBSCRIPTIONS_CHANGED', count: 1 });
    trace.push(snap());
    for (let step = 0; step < 24; step++) {
      clock.advance(500);
      if (step % 5 === 0) host.touch('s1');
      if (step === 7) actors[3]!.send({ type: 'CLOSE', code: 4000, reason: 'x' });
      if (step === 9) actors[3]!.send({ type: 'SOCKET_CLOSED' });
      if (step === 11) actors[4]!.send({ type: 'SOCKET_CLOSED' });
      trace.push(snap());
    }
    for (const a of actors) a.send({ type: 'SOCKET_CLOSED' });
    trace.push(snap());
    return { trace, host: { pings: host.pings, reports: host.reports, ended: host.ended, closed: host.closedIds }, runtime, clock };
  };
  const planned = run(true);
  const xstate = run(false);
  t.same(planned.trace, xstate.trace, 'every snapshot and timer count along the way');
  t.same(planned.host, xstate.host, 'the host was asked the same things in the same order');
  t.equal(planned.clock.pending, 0);
  t.ok(planned.runtime.transitions.replayed > 0, `transitions replayed: ${planned.runtime.transitions.replayed}`);
  t.equal(xstate.runtime.transitions.replayed, 0);
  t.equal(xstate.runtime.starts.replayed, 0);
});

t.test('sessions in the same state share its configuration; a guarded transition is never planned', async (t) => {
  const clock = new ManualClock({ resolution: 100, start: 0 });
  const host = new RecordingHost(clock);
  const runtime = new MachineRuntime(createSessionMachine(host, timing), clock);
  const actors = Array.from({ length: 3 }, (_, i) => {
    const a = new MachineActor(runtime);
    host.touch(`s${i}`);
    a.start({ sessionId: `s${i}`, authRequired: false, authenticated: true, opened: true });
    return a;
  });
  const [a, b, c] = actors.map((x) => x.getSnapshot());
  t.equal(a!._nodes, b!._nodes, 'started from one plan: one configuration');
  t.equal(a!.value, c!.value);
  // The heartbeat timer fires: a guarded transition (idle?), computed by XState for each, then interned.
  clock.advance(5_000);
  const [a2, b2] = actors.map((x) => x.getSnapshot());
  t.ok(a2!.matches({ ready: { heartbeat: 'awaitingPong' } }));
  t.equal(a2!._nodes, b2!._nodes, 'after XState computed it for each, they share it again');
  const before = runtime.transitions.replayed;
  actors[0]!.send({ type: 'SUBSCRIPTIONS_CHANGED', count: 2 });
  actors[1]!.send({ type: 'SUBSCRIPTIONS_CHANGED', count: 2 });
  t.equal(runtime.transitions.replayed, before, 'SUBSCRIPTIONS_CHANGED is guarded (atLimit): computed each time');
  t.ok(actors[1]!.getSnapshot().matches({ ready: { subscriptions: 'full' } }));
  actors[0]!.send({ type: 'SOCKET_CLOSED' });
  actors[2]!.send({ type: 'SOCKET_CLOSED' });
  t.same(host.closedIds, ['s0', 's2']);
  t.equal(actors[2]!.getSnapshot().status, 'done');
});
