/**
 * Load generator process. Started by the orchestrator with an IPC channel (pinned to its
 * own core), it runs one scenario job per `run` message and reports raw counts back.
 */
import type { FromLoadgen, LoadgenJob, LoadgenResult, ToLoadgen } from '../types.js';
import { connector } from './clients.js';
import type { ScenarioContext } from './context.js';
import { churn } from './churn.js';
import { connect } from './connect.js';
import { echo } from './echo.js';
import { fanout } from './fanout.js';
import { idle } from './idle.js';
import { publish } from './publish.js';
import { recovery } from './recovery.js';
import { snapshots } from './snapshots.js';
import { errorText } from './util.js';

if (!process.send) {
  console.error('loadgen: must be started by the orchestrator (needs an IPC channel)');
  process.exit(2);
}
const send = (m: FromLoadgen) => process.send!(m);
const waiting = new Map<string, () => void>();

function run(job: LoadgenJob): Promise<LoadgenResult> {
  const ctx: ScenarioContext = {
    connect: connector(job.client, job.url),
    ...(job.peerUrl ? { connectPeer: connector(job.client, job.peerUrl) } : {}),
    jwtSecret: job.jwtSecret,
    tokenEpoch: job.tokenEpoch,
    mark: (name) =>
      new Promise((resolve) => {
        waiting.set(name, resolve);
        send({ t: 'mark', name });
      }),
  };
  const spec = job.spec;
  switch (spec.kind) {
    case 'idle':
      return idle(spec, ctx);
    case 'fanout':
      return fanout(spec, ctx);
    case 'echo':
      return echo(spec, ctx);
    case 'publish':
      return publish(spec, ctx);
    case 'connect':
      return connect(spec, ctx);
    case 'churn':
      return churn(spec, ctx);
    case 'snapshots':
      return snapshots(spec, ctx, job.url);
    case 'recovery':
      return recovery(spec, ctx, job.url);
  }
}

process.on('message', (m: ToLoadgen) => {
  if (m.t === 'marked') {
    waiting.get(m.name)?.();
    waiting.delete(m.name);
  } else if (m.t === 'run') {
    run(m.job).then(
      (result) => send({ t: 'done', result }),
      (e) => send({ t: 'failed', error: errorText(e) }),
    );
  }
});
process.on('disconnect', () => process.exit(0));
send({ t: 'ready' });
