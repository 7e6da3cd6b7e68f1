/**
 * A second copy of @actorwire/core in one application (a plugin installed with its own) must not
 * turn its errors into INTERNAL_ERROR: errors are recognised by a brand, not by `instanceof`.
 */
import t from 'tap';
import { definePlugin, isActorwireError, isKernelError, ActorwireError } from '../src/index.js';
import { startTestServer } from '@actorwire/testing';

// The same module loaded again under another URL is a distinct copy, with its own classes.
const copy = (await import(`../../packages/errors/src/index.ts?copy=${Date.now()}`)) as typeof import('@actorwire/errors');

t.test('the copy is a different class, recognised by the brand', async (t) => {
  const foreign = copy.protocolError('FORBIDDEN');
  t.notOk(foreign instanceof ActorwireError, 'instanceof misses across copies');
  t.ok(isActorwireError(foreign), 'the brand does not');
  t.ok(isKernelError(new copy.KernelError('WS_ERR_CONFIG', 'x')));
  t.notOk(isActorwireError(new Error('plain')));
  t.notOk(isActorwireError({ code: 'FORBIDDEN' }), 'a look-alike object is not branded');
});

t.test('a handler throwing the copy’s error: the client gets its code, not INTERNAL_ERROR', async (t) => {
  const plugin = definePlugin({
    name: 'foreign', version: '1.0.0', kernel: '*',
    register(ctx) {
      ctx.messages.define('deny', { handle: () => { throw copy.protocolError('FORBIDDEN', 'not for you'); } });
      ctx.routes.http('get', '/deny', () => { throw new copy.ActorwireError('NOPE', 'teapot', { status: 418 }); });
    },
  });
  const srv = await startTestServer({ plugins: [plugin] });
  t.teardown(() => srv.stop());
  const c = await srv.connect();
  const r = await c.request({ type: 'deny' });
  t.equal(r.code, 'FORBIDDEN');
  t.equal(r.error, 'not for you');
  const res = await fetch(`${srv.httpBase}/deny`);
  t.equal(res.status, 418, 'HTTP routes answer the copy’s status');
  t.same(await res.json(), { error: 'teapot', code: 'NOPE' });
});
