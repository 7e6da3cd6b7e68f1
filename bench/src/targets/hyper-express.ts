/**
 * Framework floor: hyper-express alone (the HTTP/WS layer Actorwire is built on), using its
 * own websocket subscribe and `Server.publish`. No auth: the token is ignored.
 */
import HyperExpress from 'hyper-express';
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

const port = portFromEnv();
const server = new HyperExpress.Server();

server.get('/health', (_req, res) => {
  res.json({ status: 'healthy' });
});

server.ws('/ws', { message_type: 'String', max_payload_length: 64 * 1024, idle_timeout: 120 }, (ws) => {
  const clientId = newClientId();
  ws.send(connectedFrame(clientId));
  ws.on('message', (text: string) => {
    const msg = parseInbound(text);
    if (!msg) return void ws.send(errorFrame('INVALID_JSON', 'invalid JSON format'));
    switch (msg.type) {
      case 'subscribe':
        if (!msg.room) return void ws.send(errorFrame('ROOM_REQUIRED', 'room name is required', msg.id));
        ws.subscribe(msg.room);
        // hyper-express has no subscriber count of its own; ask the uWS app underneath.
        ws.send(subscribedFrame(msg.room, server.uws_instance.numSubscribers(msg.room), msg.id));
        return;
      case 'publish':
        if (!msg.room || !ws.is_subscribed(msg.room)) {
          return void ws.send(errorFrame('NOT_SUBSCRIBED', 'not subscribed to this room', msg.id));
        }
        server.publish(msg.room, messageFrame(msg.room, msg.data, clientId));
        return;
      case 'ping':
        ws.send(pongFrame(msg.id));
        return;
      default:
        ws.send(errorFrame('UNKNOWN_TYPE', 'unknown message type', msg.id));
    }
  });
});

server
  .listen(port, HOST)
  .then(() => announceReady())
  .catch((err: unknown) => {
    console.error('hyper-express: cannot listen', err);
    process.exit(1);
  });
