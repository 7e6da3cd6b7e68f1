/**
 * Peer: Socket.IO 4 with rooms, websocket transport only. It cannot speak raw JSON
 * frames, so the protocol maps to events: `connected` on connect, `subscribe` and `ping`
 * with acks carrying the same frames as the raw protocol, `publish` → `io.to(room).emit`
 * (encoded once per emit by the adapter).
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { HOST, announceReady, messageObject, newClientId, portFromEnv } from '../shared/protocol.js';

interface RoomRequest {
  room?: string;
  id?: string;
  data?: unknown;
}
type Ack = (reply: unknown) => void;

const port = portFromEnv();
const http = createServer((req, res) => {
  // Socket.IO only forwards requests outside its own path here.
  if (req.url === '/health') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"healthy"}');
  res.writeHead(404).end();
});
const io = new Server(http, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  maxHttpBufferSize: 64 * 1024,
});

io.on('connection', (socket) => {
  const clientId = newClientId();
  socket.emit('connected', { type: 'connected', data: { client_id: clientId, message: 'connected' }, timestamp: Date.now() });

  socket.on('subscribe', async (req: RoomRequest, ack?: Ack) => {
    if (!req?.room) return ack?.({ type: 'error', error: 'room name is required', code: 'ROOM_REQUIRED', timestamp: Date.now(), id: req?.id });
    await socket.join(req.room);
    const count = io.sockets.adapter.rooms.get(req.room)?.size ?? 0;
    ack?.({ type: 'subscribed', room: req.room, data: { room: req.room, client_count: count }, timestamp: Date.now(), id: req.id });
  });

  socket.on('publish', (req: RoomRequest) => {
    if (!req?.room || !socket.rooms.has(req.room)) return;
    io.to(req.room).emit('message', messageObject(req.room, req.data, clientId));
  });

  socket.on('ping', (req: RoomRequest, ack?: Ack) => {
    ack?.({ type: 'pong', timestamp: Date.now(), id: req?.id });
  });
});

http.listen(port, HOST, () => announceReady());
