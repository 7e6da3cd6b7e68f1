/**
 * The realtime service's runtime check: when BACKEND_URL is set, the backend decides who may join.
 *   order-{id}   → GET {BACKEND_URL}/orders/{id}/can_access?user_id={user}
 *   seller-{id}  → GET {BACKEND_URL}/sellers/{id}/can_access?user_id={user}
 *   other rooms  → GET {BACKEND_URL}/ws/can_join?room={room}&user_id={user}
 * The answer is `{"allowed": bool}`. A timeout (3 s by default), a non-200 status, a body
 * that is not that JSON, or a network error all deny — and the reason is logged.
 */
import { LogLimiter, readBoundedBody, type InputGuard, type Policy } from '@actorwire/core';
import type { Rooms } from '../runtime.js';

/** Largest answer read from the authorization backend. */
const MAX_ANSWER_BYTES = 64 * 1024;

export class BackendClient {
  private readonly base: string;
  /** A backend that is down turns every subscribe into a failure: one line per kind per 10 s, with a count. */
  private readonly limited: LogLimiter;
  private readonly guard: InputGuard;

  constructor(private readonly r: Rooms, baseUrl: string, private readonly timeoutMs: number) {
    this.base = baseUrl.replace(/\/+$/, '');
    this.limited = new LogLimiter(r.ctx.logger);
    this.guard = r.ctx.inputs('backend', { maxBytes: MAX_ANSWER_BYTES });
  }

  orderUrl(orderId: string, userId: string): string {
    return `${this.base}/orders/${encodeURIComponent(orderId)}/can_access?user_id=${encodeURIComponent(userId)}`;
  }

  sellerUrl(sellerId: string, userId: string): string {
    return `${this.base}/sellers/${encodeURIComponent(sellerId)}/can_access?user_id=${encodeURIComponent(userId)}`;
  }

  roomUrl(room: string, userId: string): string {
    return `${this.base}/ws/can_join?room=${encodeURIComponent(room)}&user_id=${encodeURIComponent(userId)}`;
  }

  /** Ask the backend; true only for a 200 answer `{"allowed": true}` within the timeout. */
  async allowed(url: string, what: { room: string; user: string }): Promise<boolean> {
    const log = this.r.ctx.logger;
    const started = Date.now();
    let status: number;
    let body: unknown;
    try {
      const res = await fetch(url, { method: 'GET', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.timeoutMs) });
      status = res.status;
      // The timeout covers the body too; the answer is one small object, never more than 64 KB.
      body = this.guard.json(await readBoundedBody(res, MAX_ANSWER_BYTES), { url });
    } catch (err) {
      const e = err as Error;
      const reason = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${this.timeoutMs} ms` : `request failed: ${e.message}`;
      this.limited.warn(`failed|${e.name}`, { ...what, url, reason }, `authorization backend: denied (${reason})`);
      return false;
    }
    if (status !== 200) {
      this.limited.warn(`status|${status}`, { ...what, url, status }, `authorization backend: denied (HTTP ${status})`);
      return false;
    }
    if (typeof body !== 'object' || body === null || typeof (body as { allowed?: unknown }).allowed !== 'boolean') {
      this.limited.warn('shape', { ...what, url }, 'authorization backend: denied (answer is not {"allowed": bool})');
      return false;
    }
    const allowed = (body as { allowed: boolean }).allowed;
    log.debug({ ...what, allowed, ms: Date.now() - started }, 'authorization backend answered');
    if (!allowed) log.info({ ...what }, 'authorization backend: denied (allowed: false)');
    return allowed;
  }
}

export function backendPolicies(r: Rooms, client: BackendClient): { order: Policy; seller: Policy; room: Policy } {
  return {
    order: async ({ session, topic, params }) => {
      // order-/seller- rooms are never open to anonymous sessions.
      if (!session.identity) return false;
      return client.allowed(client.orderUrl(params.id ?? '', session.identity.userId), { room: topic, user: session.identity.userId });
    },
    seller: async ({ session, topic, params }) => {
      if (!session.identity) return false;
      return client.allowed(client.sellerUrl(params.id ?? '', session.identity.userId), { room: topic, user: session.identity.userId });
    },
    room: async ({ session, topic }) => {
      if (!session.identity && !r.opts.allowAnonymous) return false;
      const user = session.identity?.userId ?? '';
      return client.allowed(client.roomUrl(topic, user), { room: topic, user });
    },
  };
}
