/**
 * Session actors: each connection's lifecycle is a snapshot of the session machine, moved on
 * by XState's own transition function and run one event at a time, with its delayed events on
 * the kernel's shared timer wheel.
 *
 * Why not `createActor` per session: an XState actor carries a mailbox, observer sets, a
 * per-actor scope with its own closures and a registration in a system — about 2.1 KB before
 * its machine has any state, more than everything else a connection holds. The machine is the
 * same and so are its semantics (`machine.transition` is what an XState actor calls too):
 * events are processed in order, an event sent while one is being processed waits its turn,
 * delayed transitions (`after`) are scheduled and cancelled exactly as XState asks, and a
 * final state stops the actor. What is gone is per-session machinery: one scope serves every
 * session of a kernel, a pending delayed event is one small object, and an idle session is
 * its snapshot plus a few fields.
 */
import { createActor, type AnyActorScope } from 'xstate';
import { WheelTimer, type TimerWheel } from './timer-wheel.js';
import type { SessionEvent, SessionMachine, SessionMachineInput } from './machine.js';

type Snapshot = ReturnType<SessionMachine['getInitialSnapshot']>;

/** What XState hands the executor for each action of a transition. */
interface ExecutableAction {
  type: string;
  info: unknown;
  params: unknown;
  exec: ((info: unknown, params: unknown) => void) | undefined;
}

interface RaiseParams {
  event: SessionEvent;
  id: string | undefined;
  delay: number | undefined;
}

/** One delayed event of one actor, on the wheel; an actor's pending events are chained through `sibling`. */
class DelayedEvent extends WheelTimer {
  sibling: DelayedEvent | undefined = undefined;
  constructor(
    readonly actor: SessionActor,
    readonly event: SessionEvent,
    readonly id: string,
  ) {
    super();
  }
  fire(): void {
    this.actor.delayedEventDue(this);
  }
}

/**
 * What every session actor of one kernel shares: the machine, the wheel, and the one actor
 * scope XState resolves transitions against.
 */
export class SessionRuntime {
  /** Where a failing action is reported; the actor carries on with its next event. */
  onError: (err: unknown) => void = (err) => console.error('actorwire: a session action failed', err);
  readonly scope: AnyActorScope;
  private collected: ExecutableAction[] = [];

  constructor(
    readonly machine: SessionMachine,
    readonly wheel: TimerWheel,
  ) {
    // `self` is only read by actions that spawn or message other actors, which the session
    // machine has none of; an unstarted actor stands in, as in XState's own pure `transition`.
    const self = createActor(machine, { input: { sessionId: '', authRequired: false, authenticated: false } });
    const runtime = this;
    this.scope = {
      self,
      id: 'session',
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
  }

  /** The initial snapshot for `input`, and the actions its entry asks for. */
  initial(input: SessionMachineInput): [Snapshot, ExecutableAction[]] {
    const actions = (this.collected = []);
    const snapshot = this.machine.getInitialSnapshot(this.scope, input);
    this.collected = [];
    return [snapshot, actions];
  }

  /** The snapshot after `event`, and the actions the transition asks for. */
  next(snapshot: Snapshot, event: SessionEvent): [Snapshot, ExecutableAction[]] {
    const actions = (this.collected = []);
    const next = this.machine.transition(snapshot, event, this.scope);
    this.collected = [];
    return [next, actions];
  }
}

/** One session's lifecycle: its machine snapshot, its pending delayed events, its queue. */
export class SessionActor {
  private snapshot: Snapshot | undefined;
  private timers: DelayedEvent | undefined = undefined;
  /** Events sent while one is being processed (by the actions it runs), in order. */
  private queue: SessionEvent[] | undefined = undefined;
  private processing = false;

  constructor(private readonly runtime: SessionRuntime) {}

  /** Enter the initial state for `input` and run its entry actions. Only the first call counts. */
  start(input: SessionMachineInput): void {
    if (this.snapshot !== undefined) return;
    this.run(() => {
      const [snapshot, actions] = this.runtime.initial(input);
      this.snapshot = snapshot;
      this.execute(actions);
    });
  }

  /** Process `event` now, or after the event being processed. Ignored before start and once the actor has stopped. */
  send(event: SessionEvent): void {
    if (this.snapshot === undefined || this.snapshot.status !== 'active') return;
    if (this.processing) {
      (this.queue ??= []).push(event);
      return;
    }
    this.run(() => this.step(event));
  }

  getSnapshot(): Snapshot {
    if (this.snapshot === undefined) throw new Error('the session actor has not started');
    return this.snapshot;
  }

  /** The snapshot as plain data (what XState would persist). */
  getPersistedSnapshot(): unknown {
    return this.runtime.machine.getPersistedSnapshot(this.getSnapshot());
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
    this.send(timer.event);
  }

  private step(event: SessionEvent): void {
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

  private schedule(event: SessionEvent, id: string, delay: number): void {
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
