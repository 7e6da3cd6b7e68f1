/** The registry of targets; peer servers are the sibling scripts, Actorwire its own file. */
import { join } from 'node:path';
import { SRC_DIR } from '../paths.js';
import type { TargetDef } from './types.js';
import { actorwire } from './actorwire.js';

function peer(name: string, script: string, description: string, client: TargetDef['client'] = 'ws'): TargetDef {
  return {
    name,
    description,
    client,
    authenticates: false,
    unavailable: () => null,
    launch: ({ port }) => ({
      args: ['--import', 'tsx', join(SRC_DIR, 'targets', script)],
      cwd: SRC_DIR,
      env: { PORT: String(port), HOST: '127.0.0.1' },
    }),
    ready: { kind: 'line' },
    startTimeoutMs: 15_000,
    url: (port) => (client === 'socketio' ? `http://127.0.0.1:${port}` : `ws://127.0.0.1:${port}/ws`),
  };
}

export const TARGETS: readonly TargetDef[] = [
  actorwire,
  peer('uws', 'uws.ts', 'raw uWebSockets.js 20.30, native topics (the floor)'),
  peer('hyper-express', 'hyper-express.ts', 'hyper-express 6.18.0 alone, its own subscribe/publish (framework floor)'),
  peer('ws', 'ws.ts', 'ws 8 with a Map<room, Set<socket>> fan-out'),
  peer('socketio', 'socketio.ts', 'Socket.IO 4 rooms, websocket transport only', 'socketio'),
];

export const TARGET_NAMES = TARGETS.map((t) => t.name);

export function targetByName(name: string): TargetDef | undefined {
  return TARGETS.find((t) => t.name === name);
}
