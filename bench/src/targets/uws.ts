/**
 * Floor target: raw uWebSockets.js with native topics. Rooms are uWS topics, publish is
 * `app.publish` (serialized once, fanned out in C++). No auth: the token is ignored.
 */
import uWS from 'uWebSockets.js';
import {
  HOST,
  announceReady,
  connectedFrame,
  errorFrame,
  messageFrame,
  newClientId,
  parseInbound,
  pongFrame,
  portFromEnv,
  subscribedFrame,
} from '../shared/protocol.js';

interface UserData {
  clientId: string;
}

const port = portFromEnv();
const app = uWS.App();

app.ws<UserData>('/ws', {
  compression: uWS.DISABLED,
  maxPayloadLength: 64 * 1024,
  idleTimeout: 120,
  upgrade: (res, req, context) => {
    res.upgrade<UserData>(
      { clientId: newClientId() },
      req.getHeader('sec-websocket-key'),
      req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'),
      context,
    );
  },
  open: (ws) => {
    ws.send(connectedFrame(ws.getUserData().clientId));
  },
  message: (ws, buf) => {
    const msg = parseInbound(Buffer.from(buf).toString('utf8'));
    if (!msg) return void ws.send(errorFrame('INVALID_JSON', 'invalid JSON format'));
    switch (msg.type) {
      case 'subscribe':
        if (!msg.room) return void ws.send(errorFrame('ROOM_REQUIRED', 'room name is required', msg.id));
        ws.subscribe(msg.room);
        ws.send(subscribedFrame(msg.room, app.numSubscribers(msg.room), msg.id));
        return;
      case 'publish':
        if (!msg.room || !ws.isSubscribed(msg.room)) {
          return void ws.send(errorFrame('NOT_SUBSCRIBED', 'not subscribed to this room', msg.id));
        }
        app.publish(msg.room, messageFrame(msg.room, msg.data, ws.getUserData().clientId));
        return;
      case 'ping':
        ws.send(pongFrame(msg.id));
        return;
      default:
        ws.send(errorFrame('UNKNOWN_TYPE', 'unknown message type', msg.id));
    }
  },
});

app.get('/health', (res) => {
  res.writeHeader('content-type', 'application/json').end('{"status":"healthy"}');
});

app.listen(HOST, port, (token) => {
  if (!token) {
    console.error(`uws: cannot listen on ${HOST}:${port}`);
    process.exit(1);
  }
  announceReady();
});
