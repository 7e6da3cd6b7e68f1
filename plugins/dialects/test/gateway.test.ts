/**
 * A client written as the API gateway's WebSocket package documents it, through the `gateway`
 * dialect: it subscribes with `{"type":"subscribe","data":{"channel":…}}`, and reads `ack`,
 * `event`, `notification` and `error` frames — every field it reads is checked.
 */
import t from 'tap';
import { request } from 'node:http';
import { RFC3339, jwt, rawClient, server } from './support.js';

async function notify(base: string, body: unknown): Promise<number> {
  const token = await jwt({ sub: 'svc', role: 'service' });
  const res = await fetch(`${base}/api/notify`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.text();
  return res.status;
}

t.test('gateway client: ack, event, notification, error — RFC 3339 timestamps and a message_id on every server message', async (t) => {
  const srv = await server();
  t.teardown(() => srv.stop());
  const headers = { authorization: `Bearer ${await jwt({ sub: 'user123' })}` };
  const client = await rawClient(`${srv.wsBase}/ws?dialect=gateway`, { headers });
  const canonical = await srv.connect('/ws', { headers: { authorization: `Bearer ${await jwt({ sub: 'publisher' })}` } });

  const first = await client.json();
  t.equal(first.type, 'connected');
  t.match(first.timestamp, RFC3339);
  t.type(first.message_id, 'string');

  client.send({ type: 'subscribe', data: { channel: 'user_events' } });
  const ack = await client.json((f) => f.type === 'ack');
  t.same(ack.data, { action: 'subscribe', channel: 'user_events' });
  t.match(ack.timestamp, RFC3339);
  t.type(ack.message_id, 'string');

  await canonical.request({ type: 'subscribe', room: 'user_events' });
  canonical.send({ type: 'publish', room: 'user_events', data: { action: 'user_login', user_id: 'user123' } });
  const ev = await client.json((f) => f.type === 'event');
  t.equal(ev.channel, 'user_events');
  t.same(ev.data, { action: 'user_login', user_id: 'user123' });
  t.match(ev.timestamp, RFC3339);
  t.type(ev.message_id, 'string');
  const same = await canonical.next('message');
  t.equal(same.message_id, ev.message_id, 'one message, one id, in both dialects');
  t.type(same.timestamp, 'number', 'the canonical client still gets epoch milliseconds');

  t.equal(await notify(srv.httpBase, { event: 'message.new', data: { title: 'New Message', message: 'You have a new message', type: 'info' }, user_id: 'user123' }), 202);
  const n = await client.json((f) => f.type === 'notification');
  t.same(n.data, { title: 'New Message', message: 'You have a new message', type: 'info' });
  t.equal(n.user_id, 'user123');
  t.match(n.timestamp, RFC3339);
  t.type(n.message_id, 'string');

  client.send({ type: 'subscribe', data: { channel: 'bad channel' } });
  const err = await client.json((f) => f.type === 'error');
  t.type(err.data.error, 'string');
  t.match(err.data.error, /room name/);
  t.match(err.timestamp, RFC3339);
  t.type(err.message_id, 'string');

  client.send({ type: 'heartbeat' });
  const pong = await client.json((f) => f.type === 'pong');
  t.match(pong.timestamp, RFC3339);
  t.type(pong.message_id, 'string');

  client.send({ type: 'unsubscribe', data: { channel: 'user_events' } });
  t.same((await client.json((f) => f.type === 'ack')).data, { action: 'unsubscribe', channel: 'user_events' });
  client.close();
});

t.test('the subprotocol chooses the dialect too, and is echoed; an unknown dialect is a 400', async (t) => {
  const srv = await server();
  t.teardown(() => srv.stop());
  const headers = { authorization: `Bearer ${await jwt({ sub: 'u1' })}` };
  const viaSubprotocol = await rawClient(`${srv.wsBase}/ws`, { headers, protocols: ['actorwire.gateway'] });
  t.equal(viaSubprotocol.protocol, 'actorwire.gateway');
  t.match((await viaSubprotocol.json()).timestamp, RFC3339);
  const canonical = await rawClient(`${srv.wsBase}/ws?dialect=actorwire`, { headers });
  t.type((await canonical.json()).timestamp, 'number', '`actorwire` is the canonical protocol');
  const refused = await rawClient(`${srv.wsBase}/ws?dialect=klingon`, { headers }).then(() => 0, (e: { status?: number }) => e.status);
  t.equal(refused, 400);
  // The reason, as the client sees it over plain HTTP.
  const body = await new Promise<string>((resolve, reject) => {
    const upgrade = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' };
    const r = request(`${srv.httpBase}/ws?dialect=klingon`, { headers: { ...headers, ...upgrade } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve(text));
    });
    r.on('error', reject);
    r.end();
  });
  t.match(JSON.parse(body), { code: 'UNKNOWN_DIALECT', dialects: ['actorwire', 'gateway', 'envelope'] });
});
