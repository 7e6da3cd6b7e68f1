/**
 * Many actors of one XState machine, cheaply: each actor is a snapshot moved on by XState's own
 * transition function, run one event at a time, with its delayed events on a shared timer wheel.
 *
 * Why not `createActor` per actor: an XState actor carries a mailbox, observer sets, a per-actor
 * scope with its own closures and a registration in a system — about 2.1 KB before its machine
 * has any state. The semantics are XState's (`machine.transition` is what an XState actor calls
 * too): events in order, an event sent while one is processed waits its turn, `after` delays
 * scheduled and cancelled as XState asks, a final state stops the actor. One scope serves every
 * actor of a runtime; an idle actor is its snapshot plus a few fields.
 *
 * Starting is the costliest transition, and most actors start the same way. So a start XState
 * computed is kept as a plan — the snapshot, the delayed events, and the guard trace (every guard
 * evaluated on the way, its params and answer) — and replayed only when each traced guard, asked
 * again on the new actor's context and input, answers the same. A start a plan cannot describe
 * exactly (another action, a context an action changed, a guard that saw more than the initial
 * context) always goes through XState. A transition that depended on nothing of the actor's (no
 * guard, context unchanged) is replayed from the first actor's, and actors in one configuration
 * share it (`next`, `intern`). The tests hold this against `createActor`, event for event.
 */
import { createActor, type AnyActorScope, type AnyMachineSnapshot, type AnyStateMachine, type EventFrom, type EventObject, type InputFrom, type SnapshotFrom } from 'xstate';
import { WheelTimer, type TimerWheel } from './timer-wheel.js';

type Snapshot = AnyMachineSnapshot;
type AnyEvent = EventObject;

/** What XState hands the executor for each action of a transition. */
interface ExecutableAction {
  type: string;
  info: unknown;
  params: unknown;
  exec: ((info: unknown, params: unknown) => void) | undefined;
}

interface RaiseParams {
  event: AnyEvent;
  id: string | undefined;
  delay: number | undefined;
}

/** One delayed event of one actor, on the wheel; an actor's pending events are chained through `sibling`. */
class DelayedEvent extends WheelTimer {
  sibling: DelayedEvent | undefined = undefined;
  constructor(
    readonly actor: MachineActor,
    readonly event: AnyEvent,
    readonly id: string,
  ) {
    super();
  }
  fire(): void {
    this.actor.delayedEventDue(this);
  }
}

type GuardFn = (args: unknown, params: unknown) => boolean;
type DelayFn = (args: { context: unknown; event: unknown; self: unknown; system: unknown }, params: unknown) => unknown;
type ContextFactory = (args: { input: unknown; self: unknown; spawn: unknown }) => Snapshot['context'];

/** A guard XState evaluated during a start: what it was asked, what it answered. */
interface TracedGuard {
  guard: GuardFn;
  params: unknown;
  result: boolean;
  /** What it saw (checked when the plan is made: only the initial context and the init event). */
  context: unknown;
  event: unknown;
}

/** A start XState made, kept to be replayed for any input whose guards answer the same. */
interface StartPlan {
  guards: Omit<TracedGuard, 'context' | 'event'>[];
  snapshot: Snapshot;
  delayed: { event: AnyEvent; id: string; delay: DelayFn }[];
}

/** Distinct start paths kept; a machine with more computes the rest. */
const MAX_START_PLANS = 32;

const AFTER_PREFIX = 'xstate.after.';
/** The event XState starts a machine with (its `input` is the actor's input). */
const INIT_EVENT = 'xstate.init';

/** One action of a transition plan, replayed with the actor's own context and event. */
type PlannedAction =
  | { kind: 'cancel'; params: unknown }
  | { kind: 'raise'; event: AnyEvent; id: string; delay: DelayFn }
  | { kind: 'exec'; type: string; exec: (info: unknown, params: unknown) => void };

/** A transition XState made from one configuration on one event type, with no guard on the way. */
interface TransitionPlan {
  next: Snapshot;
  actions: PlannedAction[];
}

/**
 * The delay of an `after` event, as a function: XState names it xstate.after.<delay>.<state id>,
 * where <delay> is a key of the machine's `delays` (a function or a number) or a number of ms.
 */
function delayOf(eventType: string, delays: Record<string, unknown>): DelayFn | undefined {
  const name = eventType.slice(AFTER_PREFIX.length).split('.')[0]!;
  const value = Object.hasOwn(delays, name) ? delays[name] : /^\d+$/.test(name) ? Number(name) : undefined;
  if (typeof value === 'function') return value as DelayFn;
  return typeof value === 'number' ? () => value : undefined;
}

/** True when every guard of the machine is named (so evaluating one can be noticed). */
function onlyNamedGuards(node: { transitions: Map<string, { guard?: unknown }[]>; always?: { guard?: unknown }[]; after: { guard?: unknown }[]; states: Record<string, unknown> }): boolean {
  const all = [...[...node.transitions.values()].flat(), ...(node.always ?? []), ...node.after];
  if (all.some((t) => typeof t.guard === 'function')) return false;
  return Object.values(node.states).every((child) => onlyNamedGuards(child as typeof node));
}

/**
 * What every actor of one machine shares: the machine, the wheel, and the one actor scope XState
 * resolves transitions against.
 */
export class MachineRuntime<M extends AnyStateMachine = AnyStateMachine> {
  /** Where a failing action is reported; the actor carries on with its next event. */
  onError: (err: unknown) => void = (err) => console.error('actorwire: an actor action failed', err);
  private scopeOf: AnyActorScope | undefined = undefined;
  private collected: ExecutableAction[] = [];
  /** Starts XState computed, each replayable where its guard trace answers the same. */
  private readonly startPlans: StartPlan[] = [];
  /** The guards evaluated while XState computes a start (undefined otherwise). */
  private trace: TracedGuard[] | undefined = undefined;
  /** Starts answered from a plan / by XState (for tests and the benchmark notes). */
  readonly starts = { replayed: 0, computed: 0 };
  /** Per configuration (a canonical `_nodes` array, see `intern`) and event type. */
  private readonly transitionPlans = new Map<object, Map<string, TransitionPlan | null>>();
  /** One snapshot per configuration (by state node ids): whose `_nodes`, value and tags every actor in it shares. */
  private readonly configurations = new Map<string, Snapshot>();
  /** Transitions answered from a plan / by XState. */
  readonly transitions = { replayed: 0, computed: 0 };
  /** Guards evaluated so far: a transition during which this moved is never planned. */
  private guardCalls = 0;
  readonly machine: M;
  private readonly planning: boolean;

  constructor(
    machine: M,
    readonly wheel: TimerWheel,
    /** Replay starts and transitions from plans (false: every one through XState, for comparison). */
    plans = true,
  ) {
    // Every named guard counts its calls, so a transition plan is only made of a transition no
    // guard decided, and is traced during a start, so a start plan knows what decided its path.
    const guards = (machine.implementations.guards ?? {}) as Record<string, GuardFn>;
    const counted: Record<string, GuardFn> = {};
    for (const [name, guard] of Object.entries(guards)) {
      counted[name] = (args, params) => {
        this.guardCalls++;
        const result = guard(args, params);
        const a = args as { context?: unknown; event?: unknown };
        this.trace?.push({ guard, params, result, context: a.context, event: a.event });
        return result;
      };
    }
    this.machine = machine.provide({ guards: counted } as never) as M;
    this.planning = plans && onlyNamedGuards(this.machine.root as unknown as Parameters<typeof onlyNamedGuards>[0]);
  }

  /**
   * The scope every transition is resolved against, made with the first actor's input. `self` is
   * only read by actions that spawn or message other actors (not supported here); an unstarted
   * actor stands in, as in XState's own pure `transition`.
   */
  private scopeFor(input: unknown): AnyActorScope {
    if (this.scopeOf !== undefined) return this.scopeOf;
    const self = createActor(this.machine as AnyStateMachine, { input } as never);
    const runtime = this;
    this.scopeOf = {
      self,
      id: 'actor',
      sessionId: '',
      logger: () => {},
      defer: (fn: () => void) => fn(),
      emit: () => {},
      stopChild: () => {},
      system: { _sendInspectionEvent: () => {} },
      actionExecutor: (action: ExecutableAction) => {
        runtime.collected.push(action);
      },
    } as unknown as AnyActorScope;
    return this.scopeOf;
  }

  private get scope(): AnyActorScope {
    return this.scopeOf!;
  }

  /** The initial snapshot for `input`, and the actions its entry asks for. */
  initial(input: InputFrom<M>): [SnapshotFrom<M>, ExecutableAction[]] {
    this.scopeFor(input);
    return this.initialOf(input) as [SnapshotFrom<M>, ExecutableAction[]];
  }

  private initialOf(input: unknown): [Snapshot, ExecutableAction[]] {
    if (!this.planning) return this.computeInitial(input);
    const context = this.contextFor(input);
    if (context !== undefined) for (const plan of this.startPlans) if (this.takesPath(plan, context, input)) return this.replay(plan, input, context);
    const trace: TracedGuard[] = [];
    const result = this.computeInitial(input, trace);
    result[0] = this.intern(result[0]);
    if (this.startPlans.length < MAX_START_PLANS) {
      const plan = this.planOf(result[0], result[1], input, trace);
      if (plan !== null) this.startPlans.push(plan);
    }
    return result;
  }

  /** XState's own start (what a plan is checked against); the guards it evaluates go into `trace`. */
  computeInitial(input: unknown, trace?: TracedGuard[]): [Snapshot, ExecutableAction[]] {
    this.scopeFor(input);
    this.starts.computed++;
    const actions = (this.collected = []);
    this.trace = trace;
    try {
      return [this.machine.getInitialSnapshot(this.scope, input), actions];
    } finally {
      this.trace = undefined;
      this.collected = [];
    }
  }

  /** Whether XState would take `plan`'s path for this start: every guard of its trace answers the same. */
  private takesPath(plan: StartPlan, context: Snapshot['context'], input: unknown): boolean {
    if (plan.guards.length === 0) return true;
    const args = { context, event: { type: INIT_EVENT, input }, self: this.scope.self, system: this.scope.system };
    for (const g of plan.guards) if (g.guard(args, g.params) !== g.result) return false;
    return true;
  }

  private contextFor(input: unknown): Snapshot['context'] | undefined {
    const factory = this.machine.config.context;
    return typeof factory === 'function' ? (factory as unknown as ContextFactory)({ input, self: this.scope.self, spawn: undefined }) : undefined;
  }

  private delayArgs(context: unknown, input: unknown) {
    return { context, event: { type: INIT_EVENT, input }, self: this.scope.self, system: this.scope.system };
  }

  /** A plan for this start, or null when replaying could differ from XState in any way. */
  private planOf(snapshot: Snapshot, actions: ExecutableAction[], input: unknown, trace: TracedGuard[] = []): StartPlan | null {
    if (snapshot.status !== 'active') return null;
    const context = this.contextFor(input);
    // An action that assigned to the context would be lost by a replay.
    const initial = JSON.stringify(context);
    if (context === undefined || initial !== JSON.stringify(snapshot.context)) return null;
    // A replay re-asks each guard with the initial context and the init event: that must be what it saw.
    for (const g of trace) {
      const event = g.event as { type?: unknown; input?: unknown } | undefined;
      if (event?.type !== INIT_EVENT || event.input !== input || JSON.stringify(g.context) !== initial) return null;
    }
    const delays = (this.machine.implementations.delays ?? {}) as Record<string, unknown>;
    const delayed: StartPlan['delayed'] = [];
    for (const action of actions) {
      // A transient state (authenticating on the way to ready) schedules and cancels its deadline: net nothing.
      if (action.type === 'xstate.cancel') {
        const id = (action.params as { sendId: string }).sendId;
        const at = delayed.findIndex((d) => d.id === id);
        if (at < 0) return null;
        delayed.splice(at, 1);
        continue;
      }
      if (action.type !== 'xstate.raise') return null;
      const p = action.params as RaiseParams;
      if (typeof p.delay !== 'number' || typeof p.event.type !== 'string' || !p.event.type.startsWith(AFTER_PREFIX)) return null;
      const fn = delayOf(p.event.type, delays);
      // (Its value now may differ from the one XState computed a moment ago: delays read the clock.)
      if (fn === undefined || typeof fn(this.delayArgs(context, input), undefined) !== 'number') return null;
      delayed.push({ event: p.event, id: p.id ?? '', delay: fn });
    }
    return { guards: trace.map(({ guard, params, result }) => ({ guard, params, result })), snapshot, delayed };
  }

  private replay(plan: StartPlan, input: unknown, context: Snapshot['context']): [Snapshot, ExecutableAction[]] {
    this.starts.replayed++;
    // What XState's cloneMachineSnapshot does, minus recomputing the value and tags of a state
    // that is the same: snapshots are immutable, so they are shared.
    const snapshot = { ...plan.snapshot, context } as Snapshot;
    const args = this.delayArgs(context, input);
    const actions: ExecutableAction[] = plan.delayed.map((d) => ({
      type: 'xstate.raise',
      info: undefined,
      params: { event: d.event, id: d.id, delay: d.delay(args, undefined) as number } satisfies RaiseParams,
      exec: undefined,
    }));
    return [snapshot, actions];
  }

  /**
   * The snapshot after `event`, and the actions the transition asks for. A transition from a
   * configuration actors share (one a start plan made) is kept as a plan when nothing in it
   * depended on the actor: no guard was evaluated, the context did not change, and its actions
   * are cancels, delayed raises and implementations without params.
   */
  next(snapshot: Snapshot, event: AnyEvent): [Snapshot, ExecutableAction[]] {
    const byEvent = this.planning ? this.transitionPlans.get(snapshot._nodes) : undefined;
    const plan = byEvent?.get(event.type);
    if (plan) return this.replayTransition(plan, snapshot, event);
    const guardsBefore = this.guardCalls;
    this.transitions.computed++;
    const actions = (this.collected = []);
    const next = this.intern(this.machine.transition(snapshot, event, this.scope));
    this.collected = [];
    if (byEvent !== undefined && plan === undefined) byEvent.set(event.type, this.guardCalls === guardsBefore ? this.transitionPlanOf(snapshot, next, actions) : null);
    return [next, actions];
  }

  /**
   * The snapshot with the configuration's shared `_nodes`, value and tags (snapshots are
   * immutable): an idle actor holds little more than its context, and transitions from it
   * can be planned.
   */
  private intern(snapshot: Snapshot): Snapshot {
    if (!this.planning) return snapshot;
    let key = '';
    for (const node of snapshot._nodes) key += `${node.id},`;
    const canon = this.configurations.get(key);
    if (canon === undefined) {
      this.configurations.set(key, snapshot);
      this.sharePlans(snapshot);
      return snapshot;
    }
    if (canon._nodes === snapshot._nodes) return snapshot;
    return { ...snapshot, _nodes: canon._nodes, value: canon.value, tags: canon.tags } as Snapshot;
  }

  private transitionPlanOf(from: Snapshot, next: Snapshot, actions: ExecutableAction[]): TransitionPlan | null {
    if (next.context !== from.context || Object.keys(next.children).length > 0 || Object.keys(next.historyValue).length > 0) return null;
    const delays = (this.machine.implementations.delays ?? {}) as Record<string, unknown>;
    const planned: PlannedAction[] = [];
    for (const action of actions) {
      if (action.type === 'xstate.cancel') planned.push({ kind: 'cancel', params: action.params });
      else if (action.type === 'xstate.raise') {
        const p = action.params as RaiseParams;
        if (typeof p.delay !== 'number' || typeof p.event.type !== 'string' || !p.event.type.startsWith(AFTER_PREFIX)) return null;
        const fn = delayOf(p.event.type, delays);
        if (fn === undefined) return null;
        planned.push({ kind: 'raise', event: p.event, id: p.id ?? '', delay: fn });
      } else if (action.exec !== undefined && action.params === undefined && !action.type.startsWith('xstate.')) {
        planned.push({ kind: 'exec', type: action.type, exec: action.exec });
      } else return null;
    }
    return { next, actions: planned };
  }

  private replayTransition(plan: TransitionPlan, from: Snapshot, event: AnyEvent): [Snapshot, ExecutableAction[]] {
    this.transitions.replayed++;
    const context = from.context;
    const next = { ...plan.next, context } as Snapshot;
    const info = { context, event, self: this.scope.self, system: this.scope.system };
    const actions: ExecutableAction[] = plan.actions.map((a) => {
      switch (a.kind) {
        case 'cancel':
          return { type: 'xstate.cancel', info: undefined, params: a.params, exec: undefined };
        case 'raise':
          return { type: 'xstate.raise', info: undefined, params: { event: a.event, id: a.id, delay: a.delay(info, undefined) as number } satisfies RaiseParams, exec: undefined };
        case 'exec':
          return { type: a.type, info, params: undefined, exec: a.exec };
      }
    });
    return [next, actions];
  }

  /** Transitions from this snapshot's configuration may be planned (it came from a start plan). */
  private sharePlans(snapshot: Snapshot): void {
    if (this.planning && !this.transitionPlans.has(snapshot._nodes)) this.transitionPlans.set(snapshot._nodes, new Map());
  }
}

/** One actor: its machine snapshot, its pending delayed events, its queue. */
export class MachineActor<M extends AnyStateMachine = AnyStateMachine> {
  private snapshot: Snapshot | undefined;
  private timers: DelayedEvent | undefined = undefined;
  /** Events sent while one is being processed (by the actions it runs), in order. */
  private queue: AnyEvent[] | undefined = undefined;
  private processing = false;

  constructor(private readonly runtime: MachineRuntime<M>) {}

  /** Enter the initial state for `input` and run its entry actions. Only the first call counts. */
  start(input: InputFrom<M>): void {
    if (this.snapshot !== undefined) return;
    this.run(() => {
      const [snapshot, actions] = this.runtime.initial(input);
      this.snapshot = snapshot;
      this.execute(actions);
    });
  }

  /** Process `event` now, or after the event being processed. Ignored before start and once the actor has stopped. */
  send(event: EventFrom<M>): void {
    if (this.snapshot === undefined || this.snapshot.status !== 'active') return;
    if (this.processing) {
      (this.queue ??= []).push(event);
      return;
    }
    this.run(() => this.step(event));
  }

  getSnapshot(): SnapshotFrom<M> {
    if (this.snapshot === undefined) throw new Error('the actor has not started');
    return this.snapshot as SnapshotFrom<M>;
  }

  /** The snapshot as plain data (what XState would persist). */
  getPersistedSnapshot(): unknown {
    return this.runtime.machine.getPersistedSnapshot(this.getSnapshot());
  }

  /** Pending delayed events and the time each fires at, to the wheel's resolution (for tests). */
  scheduledEvents(): { type: string; at: number }[] {
    const out: { type: string; at: number }[] = [];
    for (let t = this.timers; t !== undefined; t = t.sibling) out.push({ type: t.event.type, at: t.bucket * this.runtime.wheel.resolution });
    return out;
  }

  /** Pending delayed events (for tests). */
  get pendingTimers(): number {
    let n = 0;
    for (let t = this.timers; t !== undefined; t = t.sibling) n++;
    return n;
  }

  /** The wheel fired `timer`: forget it, then deliver its event. */
  delayedEventDue(timer: DelayedEvent): void {
    this.detach(timer.id);
    this.send(timer.event as EventFrom<M>);
  }

  private step(event: AnyEvent): void {
    const [snapshot, actions] = this.runtime.next(this.snapshot!, event);
    this.snapshot = snapshot;
    this.execute(actions);
    if (snapshot.status !== 'active') this.cancelAll();
  }

  /** Run `first`, then the events it queued, one at a time; a transition that throws is reported, not raised. */
  private run(first: () => void): void {
    this.processing = true;
    try {
      first();
      while (this.queue !== undefined && this.queue.length > 0) {
        const event = this.queue.shift()!;
        if (this.snapshot!.status !== 'active') break;
        this.step(event);
      }
    } catch (err) {
      this.runtime.onError(err);
    } finally {
      this.queue = undefined;
      this.processing = false;
    }
  }

  private execute(actions: ExecutableAction[]): void {
    for (const action of actions) {
      if (action.type === 'xstate.raise') {
        const p = action.params as RaiseParams;
        // An undelayed raise was already handled inside the transition.
        if (typeof p.delay === 'number') this.schedule(p.event, p.id ?? '', p.delay);
      } else if (action.type === 'xstate.cancel') {
        this.cancel((action.params as { sendId: string }).sendId);
      } else if (action.exec !== undefined) {
        try {
          action.exec(action.info, action.params);
        } catch (err) {
          this.runtime.onError(err);
        }
      }
    }
  }

  private schedule(event: AnyEvent, id: string, delay: number): void {
    this.cancel(id);
    const timer = new DelayedEvent(this, event, id);
    timer.sibling = this.timers;
    this.timers = timer;
    this.runtime.wheel.schedule(timer, delay);
  }

  private cancel(id: string): void {
    const timer = this.detach(id);
    if (timer !== undefined) this.runtime.wheel.unschedule(timer);
  }

  private cancelAll(): void {
    for (let t = this.timers; t !== undefined; t = t.sibling) this.runtime.wheel.unschedule(t);
    this.timers = undefined;
  }

  private detach(id: string): DelayedEvent | undefined {
    let prev: DelayedEvent | undefined;
    for (let t = this.timers; t !== undefined; prev = t, t = t.sibling) {
      if (t.id !== id) continue;
      if (prev !== undefined) prev.sibling = t.sibling;
      else this.timers = t.sibling;
      t.sibling = undefined;
      return t;
    }
    return undefined;
  }
}
