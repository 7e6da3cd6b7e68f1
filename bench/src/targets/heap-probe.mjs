// Preloaded (--expose-gc --import) into a target by scenarios that check for leaks: on
// SIGWINCH (a signal no server here acts on: hyper-express closes on SIGUSR1/2, Actorwire drains
// on SIGUSR2) it runs full garbage collections and prints the V8 heap still in use, so the
// leak check counts retained objects rather than RSS (which V8 and the allocator size as they like).
process.on('SIGWINCH', () => {
  for (let i = 0; i < 3; i++) globalThis.gc();
  process.stdout.write(`HEAP ${process.memoryUsage().heapUsed}\n`);
});
