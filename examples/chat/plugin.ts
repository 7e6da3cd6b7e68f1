/**
 * Serves the chat page: GET /chat (HTML) and GET /chat/client.js (the canonical protocol's WebSocketClient).
 * Load it next to auth + rooms:  ACTORWIRE_PLUGINS=auth,rooms,./examples/chat/plugin.ts npm start
 */
import { readFile } from 'node:fs/promises';
import { definePlugin } from '@actorwire/core';

const asset = (name: string) => new URL(`./public/${name}`, import.meta.url);

const files: Record<string, { file: URL; type: string }> = {
  '/chat': { file: asset('index.html'), type: 'text/html; charset=utf-8' },
  '/chat/client.js': { file: asset('client.js'), type: 'text/javascript; charset=utf-8' },
};

export const chatPage = definePlugin({
  name: 'example-chat',
  version: '0.1.0',
  kernel: '^0.1.0',
  dependsOn: ['rooms'],
  register(ctx) {
    for (const [path, { file, type }] of Object.entries(files)) {
      // Read per request: the page is tiny and edits show up without a restart.
      ctx.routes.http('get', path, async (_req, res) => {
        res.header('content-type', type).header('cache-control', 'no-cache').send(await readFile(file));
      });
    }
    ctx.hooks.on('onReady', () => ctx.logger.info('chat example: open http://HOST:PORT/chat in two tabs'));
  },
});

export default chatPage;
