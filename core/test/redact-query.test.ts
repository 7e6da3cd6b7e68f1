import t from 'tap';
import { definePlugin } from '../src/index.js';
import { startTestServer } from '@actorwire/testing';

t.test('redactQueryParam: an onUpgrade hook removes a parameter from what the session keeps', async (t) => {
  const plugin = definePlugin({
    name: 'redactor',
    version: '1.0.0',
    kernel: '^0.2.0',
    register(ctx) {
      ctx.hooks.on('onUpgrade', (req) => {
        if (req.query.get('secret') === 's3cr3t') req.redactQueryParam('secret');
        req.redactQueryParam('absent');
      });
      ctx.messages.define('query', { handle: ({ session, reply }) => reply({ type: 'query', data: session.query.toString() }) });
    },
  });
  const srv = await startTestServer({ plugins: [plugin] });
  t.teardown(() => srv.stop());
  const c = await srv.connect('/ws?room=a&secret=s3cr3t&x=1');
  t.equal((await c.request({ type: 'query' })).data, 'room=a&x=1', 'the secret is gone, the rest stays');
  const d = await srv.connect('/ws?room=b');
  t.equal((await d.request({ type: 'query' })).data, 'room=b', 'nothing to redact: unchanged');
});
