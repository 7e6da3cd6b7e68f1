/**
 * One timer for every session's deadlines (heartbeat silence, token expiry) instead of a timer
 * per connection: the sweep reads plain fields and sends the actor an event only when its
 * state has to change.
 */
import type { WebSocketConfig } from '../config/schema.js';
import type { Sessions } from './registry.js';

export function sweepOnce(sessions: Sessions, ws: WebSocketConfig, now: number): void {
  for (const s of sessions.all()) {
    if (s.phase !== 'ready') continue;
    const silent = now - s.lastSeen;
    if (silent >= ws.pingInterval) {
      if (s.heartbeat === 'alive') s.dispatch({ type: 'HEARTBEAT_IDLE' });
      if (silent >= ws.pongWait) {
        s.dispatch({ type: 'HEARTBEAT_DEAD' });
        continue;
      }
    } else if (s.heartbeat === 'awaitingPong') {
      s.dispatch({ type: 'HEARTBEAT_OK' });
    }
    const exp = s.identity?.expiresAt;
    if (exp !== undefined && now >= exp) s.dispatch({ type: 'TOKEN_EXPIRED' });
  }
}

export function startSweeper(sessions: Sessions, ws: WebSocketConfig): () => void {
  const timer = setInterval(() => sweepOnce(sessions, ws, Date.now()), ws.sweepInterval);
  timer.unref();
  return () => clearInterval(timer);
}
