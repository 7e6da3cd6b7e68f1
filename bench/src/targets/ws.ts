/**
 * Peer: the `ws` package with a Map<room, Set<socket>> fan-out. A publish is stringified
 * and encoded to a Buffer once, then the same Buffer is sent (as text) to every member.
 */
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
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
const rooms = new Map<string, Set<WebSocket>>();

const http = createServer((req, res) => {
  if (req.url === '/health') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"healthy"}');
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server: http, path: '/ws', perMessageDeflate: false, maxPayload: 64 * 1024, clientTracking: false });

wss.on('connection', (ws) => {
  const clientId = newClientId();
  const joined = new Set<string>();
  ws.send(connectedFrame(clientId));

  ws.on('message', (raw, isBinary) => {
    const msg = isBinary ? null : parseInbound(raw.toString());
    if (!msg) return void ws.send(errorFrame('INVALID_JSON', 'invalid JSON format'));
    switch (msg.type) {
      case 'subscribe': {
        if (!msg.room) return void ws.send(errorFrame('ROOM_REQUIRED', 'room name is required', msg.id));
        let members = rooms.get(msg.room);
        if (!members) rooms.set(msg.room, (members = new Set()));
        members.add(ws);
        joined.add(msg.room);
        ws.send(subscribedFrame(msg.room, members.size, msg.id));
        return;
      }
      case 'publish': {
        const members = msg.room ? rooms.get(msg.room) : undefined;
        if (!members || !joined.has(msg.room!)) {
          return void ws.send(errorFrame('NOT_SUBSCRIBED', 'not subscribed to this room', msg.id));
        }
        const frame = Buffer.from(messageFrame(msg.room!, msg.data, clientId));
        for (const member of members) member.send(frame, { binary: false });
        return;
      }
      case 'ping':
        ws.send(pongFrame(msg.id));
        return;
      default:
        ws.send(errorFrame('UNKNOWN_TYPE', 'unknown message type', msg.id));
    }
  });

  ws.on('close', () => {
    for (const room of joined) {
      const members = rooms.get(room);
      members?.delete(ws);
      if (members?.size === 0) rooms.delete(room);
    }
  });
  ws.on('error', () => ws.terminate());
});

http.listen(port, HOST, () => announceReady());
