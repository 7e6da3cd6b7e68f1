/**
 * The actor system every session actor lives in: one root actor, and XState's delayed events
 * (`after`) scheduled on the shared timer wheel.
 *
 * Why replace the system's scheduler rather than pass XState a custom `clock`: XState's
 * scheduler cancels a stopping actor's timers by scanning every scheduled event of the whole
 * system (`cancelAll`), which with one shared system is O(sessions) per closed session —
 * seconds of CPU when 10,000 sessions leave at once. This scheduler indexes timers by actor,
 * so schedule, cancel and cancelAll are O(1) in the number of sessions, and a pending delayed
 * event is one object (no closure, no per-event key string).
 */
import { createActor, createMachine, type ActorSystem, type AnyActorRef, type EventObject } from 'xstate';
import { WheelTimer, type TimerWheel } from './timer-wheel.js';

type AnyActorSystem = ActorSystem<any>;
type Scheduler = AnyActorSystem['scheduler'];
type Relay = (source: AnyActorRef, target: AnyActorRef, event: EventObject) => void;

/** One delayed event on the wheel, chained to the other pending events of the same actor. */
class DelayedEvent extends WheelTimer {
  /** The next pending event of the same source actor. */
  sibling: DelayedEvent | undefined = undefined;
  constructor(
    readonly scheduler: WheelScheduler,
    readonly source: AnyActorRef,
    readonly target: AnyActorRef,
    readonly event: EventObject,
    readonly id: string,
  ) {
    super();
  }
  fire(): void {
    this.scheduler.delivered(this);
  }
}

class WheelScheduler implements Scheduler {
  /** Source actor → its first pending event (the rest hang off `sibling`). */
  private readonly bySource = new Map<AnyActorRef, DelayedEvent>();

  constructor(
    private readonly wheel: TimerWheel,
    private readonly relay: Relay,
  ) {}

  schedule(source: AnyActorRef, target: AnyActorRef, event: EventObject, delay: number, id: string = Math.random().toString(36).slice(2)): void {
    this.cancel(source, id);
    const entry = new DelayedEvent(this, source, target, event, id);
    entry.sibling = this.bySource.get(source);
    this.bySource.set(source, entry);
    this.wheel.schedule(entry, delay);
  }

  cancel(source: AnyActorRef, id: string): void {
    const entry = this.detach(source, id);
    if (entry) this.wheel.unschedule(entry);
  }

  cancelAll(source: AnyActorRef): void {
    for (let e = this.bySource.get(source); e !== undefined; e = e.sibling) this.wheel.unschedule(e);
    this.bySource.delete(source);
  }

  /** The wheel fired `entry`: forget it, then deliver its event. */
  delivered(entry: DelayedEvent): void {
    this.detach(entry.source, entry.id);
    this.relay(entry.source, entry.target, entry.event);
  }

  private detach(source: AnyActorRef, id: string): DelayedEvent | undefined {
    let prev: DelayedEvent | undefined;
    for (let e = this.bySource.get(source); e !== undefined; prev = e, e = e.sibling) {
      if (e.id !== id) continue;
      if (prev) prev.sibling = e.sibling;
      else if (e.sibling) this.bySource.set(source, e.sibling);
      else this.bySource.delete(source);
      e.sibling = undefined;
      return e;
    }
    return undefined;
  }
}

/** A scheduler whose delayed events run on `wheel`, indexed by the actor that scheduled them. */
export function wheelScheduler(system: AnyActorSystem, wheel: TimerWheel): Scheduler {
  const internal = (system as unknown as { _relay?: Relay })._relay;
  // `_relay` is how XState's own scheduler delivers (it also reports to inspectors).
  const relay: Relay = internal ? (s, t, e) => internal.call(system, s, t, e) : (_s, t, e) => t.send(e);
  return new WheelScheduler(wheel, relay);
}

/**
 * The root actor of the session system. Session actors are created as its children so they
 * share one system (about 2 KB less per connection than a system each).
 */
export function createSessionRoot(wheel: TimerWheel): AnyActorRef {
  const root = createActor(createMachine({ id: 'actorwire' }));
  (root.system as { scheduler: Scheduler }).scheduler = wheelScheduler(root.system, wheel);
  root.start();
  return root;
}
