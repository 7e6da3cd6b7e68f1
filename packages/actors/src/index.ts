/**
 * @actorwire/actors — many actors of one XState machine at the cost of a snapshot each: XState's
 * own transitions, start and transition plans held to XState's answers, and one timer wheel.
 */
export { MachineRuntime, MachineActor } from './runtime.js';
export { TimerWheel, ManualClock, WheelTimer, type TimerClock, type Clock } from './timer-wheel.js';
