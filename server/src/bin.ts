#!/usr/bin/env -S node --max-semi-space-size=8
/**
 * The `actorwire` command. The server is loaded behind a dynamic import so that whatever stops
 * it from starting — a bad setting, a plugin, or no native uWebSockets.js build for this Node
 * and glibc (the kernel's first import) — is one line on stderr and exit 1, not a stack trace.
 */
async function start(): Promise<void> {
  const { main } = await import('./run.js');
  await main();
}

start().catch((err: unknown) => {
  const e = err as { code?: unknown; message?: unknown; subject?: unknown; stack?: unknown };
  if (typeof e?.code === 'string' && e.code.startsWith('WS_ERR_')) {
    process.stderr.write(`actorwire: cannot start: ${String(e.message)}${e.subject ? ` [${String(e.subject)}]` : ''} (${e.code})\n`);
  } else {
    process.stderr.write(`actorwire: cannot start: ${String(e?.stack ?? err)}\n`);
  }
  process.exit(1);
});
