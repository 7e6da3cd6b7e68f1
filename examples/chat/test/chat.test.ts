/** The chat example: the page and its client are served, and two clients chat the way the page does. */
import t from 'tap';
import { request } from 'node:http';
import { startTestServer } from '@actorwire/testing';
import authPlugin from '@actorwire/plugin-auth';
import rooms from '@actorwire/plugin-rooms';
import { chatPage } from '../plugin.js';

function get(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    }).on('error', reject).end();
  });
}

t.test('GET /chat and the client module; two tabs chat in a room', async (t) => {
  const srv = await startTestServer({ plugins: [authPlugin, rooms, chatPage] });
  t.teardown(() => srv.stop());

  const page = await get(`${srv.httpBase}/chat`);
  t.equal(page.status, 200);
  t.match(page.type, /text\/html/);
  t.match(page.body, /import \{ ActorwireClient \} from '\/chat\/client\/index\.js'/, 'the page loads @actorwire/client');
  t.match(page.body, /client\.publish\(room, \{ name: /, 'and publishes {name, text} to its room');
  const js = await get(`${srv.httpBase}/chat/client/index.js`);
  t.equal(js.status, 200);
  t.match(js.type, /javascript/);
  t.match(js.body, /export \{ ActorwireClient \}/, 'the built client, as an ES module');
  const inner = await get(`${srv.httpBase}/chat/client/client.js`);
  t.equal(inner.status, 200, 'its modules resolve next to it');
  for (const bad of ['..%2Fpackage.json', 'index.ts', 'x.js.map']) t.equal((await get(`${srv.httpBase}/chat/client/${bad}`)).status, 404, `${bad}: not served`);
  t.equal((await get(`${srv.httpBase}/chat/token?user=alice`)).status, 404, 'no token endpoint unless CHAT_DEMO_TOKENS=1');

  // What the page's script does, with two real WebSocket clients (two tabs).
  const tab1 = await srv.connect('/ws');
  const tab2 = await srv.connect('/ws');
  t.equal((await tab1.request({ type: 'subscribe', room: 'chat' })).data.client_count, 1);
  t.equal((await tab2.request({ type: 'subscribe', room: 'chat' })).data.client_count, 2);
  tab2.send({ type: 'publish', room: 'chat', data: { name: 'bob', text: 'Hello!' } });
  for (const tab of [tab1, tab2]) {
    const msg = await tab.next('message');
    t.same({ room: msg.room, data: msg.data }, { room: 'chat', data: { name: 'bob', text: 'Hello!' } });
    t.equal(msg.client_id, tab2.connected?.data.client_id, 'sender id lets the page mark its own lines');
  }
});
