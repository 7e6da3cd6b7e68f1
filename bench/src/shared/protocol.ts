/**
 * The room protocol subset every peer target speaks (see docs/protocol.md):
 * frame builders and inbound parsing, shared so the peers differ only in transport.
 */
import { randomUUID } from 'node:crypto';

export interface Inbound {
  type: string;
  room?: string;
  data?: unknown;
  id?: string;
}

/** Parse a client frame; null when it is not a JSON object with a string `type`. */
export function parseInbound(text: string): Inbound | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || typeof (v as Inbound).type !== 'string') return null;
  return v as Inbound;
}

export const newClientId = (): string => randomUUID();

export function connectedFrame(clientId: string): string {
  return JSON.stringify({ type: 'connected', data: { client_id: clientId, message: 'connected' }, timestamp: Date.now() });
}

export function subscribedFrame(room: string, clientCount: number, id?: string): string {
  return JSON.stringify({ type: 'subscribed', room, data: { room, client_count: clientCount }, timestamp: Date.now(), id });
}

export function messageFrame(room: string, data: unknown, clientId: string): string {
  return JSON.stringify(messageObject(room, data, clientId));
}

/** Socket.IO emits objects, so it gets the unserialized form. */
export function messageObject(room: string, data: unknown, clientId: string) {
  return { type: 'message', room, data, client_id: clientId, message_id: randomUUID(), timestamp: Date.now() };
}

export function pongFrame(id?: string): string {
  return JSON.stringify({ type: 'pong', timestamp: Date.now(), id });
}

export function errorFrame(code: string, error: string, id?: string): string {
  return JSON.stringify({ type: 'error', error, code, timestamp: Date.now(), id });
}

/** Port from env, the one thing every target script is told. */
export function portFromEnv(): number {
  const port = Number(process.env.PORT);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`PORT must be set (got ${process.env.PORT})`);
  return port;
}

export const HOST = process.env.HOST ?? '127.0.0.1';

/** Readiness line the orchestrator waits for on stdout. */
export function announceReady(): void {
  process.stdout.write('READY\n');
}
