/**
 * The runtime on a machine that is not the kernel's session machine, held against XState's own
 * `createActor` on a SimulatedClock: after every step both show the same state, context and
 * effects. Starts differ by a guard on the input, so a replayed start plan that ignored its guard
 * trace would put the second actor in the wrong state.
 */
import t from 'tap';
import { assign, createActor, setup, SimulatedClock, type AnyActorRef } from 'xstate';
import { MachineActor, MachineRuntime, ManualClock } from '../src/index.js';

interface Input { id: string; priority: 'high' | 'low'; retries: number }
type Event = { type: 'PAY' } | { type: 'FAIL' } | { type: 'CANCEL' };

/** An order: paid or failed within a deadline that depends on its priority; retries, then gives up. */
function orderMachine(log: string[]) {
  return setup({
    types: { input: {} as Input, context: {} as Input & { attempts: number }, events: {} as Event },
    guards: {
      urgent: ({ context }) => context.priority === 'high',
      canRetry: ({ context }) => context.attempts < context.retries,
    },
    delays: { deadline: ({ context }) => (context.priority === 'high' ? 1_000 : 5_000) },
    actions: {
      note: ({ context }, params: { what: string }) => void log.push(`${context.id} ${params.what}`),
    },
  }).createMachine({
    id: 'order',
    context: ({ input }) => ({ ...input, attempts: 0 }),
    initial: 'routing',
    states: {
      routing: { always: [{ guard: 'urgent', target: 'express' }, { target: 'standard' }] },
      express: { on: { PAY: 'paid' }, after: { deadline: 'retrying' } },
      standard: { on: { PAY: 'paid' }, after: { deadline: 'retrying' } },
      retrying: {
        entry: assign({ attempts: ({ context }) => context.attempts + 1 }),
        always: [{ guard: 'canRetry', target: 'standard', actions: { type: 'note', params: { what: 'retry' } } }, { target: 'failed' }],
      },
      paid: { type: 'final', entry: { type: 'note', params: { what: 'paid' } } },
      failed: { type: 'final', entry: { type: 'note', params: { what: 'failed' } } },
    },
    on: { CANCEL: '.failed' },
  });
}

interface View { value: unknown; status: string; attempts: number }
interface World { start(input: Input): void; send(id: string, e: Event): void; advance(ms: number): void; view(id: string): View; log: string[] }

function xstateWorld(): World {
  const clock = new SimulatedClock();
  const log: string[] = [];
  const machine = orderMachine(log);
  const actors = new Map<string, AnyActorRef>();
  return {
    log,
    start(input) { actors.set(input.id, createActor(machine, { input, clock }).start()); },
    send(id, e) { actors.get(id)!.send(e); },
    advance(ms) { clock.increment(ms); },
    view(id) { const s = actors.get(id)!.getSnapshot(); return { value: s.value, status: s.status, attempts: s.context.attempts }; },
  };
}

function runtimeWorld(plans: boolean): World & { runtime: MachineRuntime<ReturnType<typeof orderMachine>> } {
  const clock = new ManualClock({ resolution: 1, start: 0 });
  const log: string[] = [];
  const runtime = new MachineRuntime(orderMachine(log), clock, plans);
  const actors = new Map<string, MachineActor<ReturnType<typeof orderMachine>>>();
  return {
    log,
    runtime,
    start(input) { const a = new MachineActor(runtime); actors.set(input.id, a); a.start(input); },
    send(id, e) { actors.get(id)!.send(e); },
    advance(ms) { clock.advance(ms); },
    view(id) { const s = actors.get(id)!.getSnapshot(); return { value: s.value, status: s.status, attempts: s.context.attempts }; },
  };
}

type Step = ['start', Input] | ['send', string, Event] | ['advance', number];
const script: Step[] = [
  ['start', { id: 'a', priority: 'low', retries: 1 }],
  ['start', { id: 'b', priority: 'high', retries: 0 }], // same plan shape, another guard answer
  ['start', { id: 'c', priority: 'low', retries: 2 }],
  ['advance', 1_000], // b's deadline
  ['send', 'a', { type: 'PAY' }],
  ['advance', 4_000], // c's first deadline
  ['start', { id: 'd', priority: 'high', retries: 1 }],
  ['advance', 1_000],
  ['send', 'c', { type: 'CANCEL' }],
  ['advance', 10_000],
];

function run(world: World) {
  const views: string[] = [];
  for (const step of script) {
    if (step[0] === 'start') world.start(step[1]);
    else if (step[0] === 'send') world.send(step[1], step[2]);
    else world.advance(step[1]);
    views.push(['a', 'b', 'c', 'd'].map((id) => { try { return `${id}=${JSON.stringify(world.view(id))}`; } catch { return `${id}=-`; } }).join(' '));
  }
  return { views, log: world.log };
}

t.test('a machine other than the session machine: the runtime and createActor agree step by step', async (t) => {
  const expected = run(xstateWorld());
  t.match(expected.views[1], /b=\{"value":"express"/, 'XState routes the urgent order to express');
  const planned = runtimeWorld(true);
  const got = run(planned);
  t.same(got.views, expected.views, 'same state, status and context after every step');
  t.same(got.log, expected.log, 'same effects, in the same order');
  t.ok(planned.runtime.starts.replayed >= 1, `a start was replayed from a plan (${JSON.stringify(planned.runtime.starts)})`);
  t.same(run(runtimeWorld(false)).views, expected.views, 'and without plans');
});

t.test('an event sent by an action waits for the event being processed', async (t) => {
  const clock = new ManualClock({ resolution: 1, start: 0 });
  const order: string[] = [];
  let actor!: MachineActor;
  const machine = setup({
    types: { events: {} as { type: 'GO' } | { type: 'NEXT' } },
    actions: {
      sendNext: () => { order.push('go:before'); actor.send({ type: 'NEXT' }); order.push('go:after'); },
      record: () => void order.push('next'),
    },
  }).createMachine({ initial: 'idle', states: { idle: { on: { GO: { target: 'busy', actions: 'sendNext' } } }, busy: { on: { NEXT: { target: 'done', actions: 'record' } } }, done: {} } });
  actor = new MachineActor(new MachineRuntime(machine, clock));
  actor.start(undefined as never);
  actor.send({ type: 'GO' });
  t.same(order, ['go:before', 'go:after', 'next'], 'queued, then processed in order');
  t.equal(actor.getSnapshot().value, 'done');
});
