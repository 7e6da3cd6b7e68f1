/**
 * Optional presence events: for rooms matching one of `presenceEvents` (kernel topic pattern
 * syntax: `lobby`, `chat-{id}`, `game:*`), subscribers get
 *   {"type":"presence","event":"join"|"leave","room":R,"data":{"user_id":U|null,"client_id":C}}
 * `join` is sent by the subscribe handler once the session is in; `leave` by an
 * `onUnsubscribe` hook, which the kernel also runs for every room at disconnect.
 * With no patterns configured, no hook is registered and nothing runs.
 */
import { compilePattern, type Frame, type Session } from '@actorwire/core';
import type { Rooms } from './runtime.js';

export class PresenceEvents {
  private readonly patterns: RegExp[];

  constructor(private readonly r: Rooms) {
    this.patterns = r.opts.presenceEvents.map((p) => compilePattern(p).regex);
    if (this.patterns.length > 0) {
      r.ctx.hooks.on('onUnsubscribe', async (session, topic) => {
        if (this.enabled(topic)) await this.emit('leave', session, topic);
      });
    }
  }

  enabled(topic: string): boolean {
    if (this.patterns.length === 0 || !this.r.isRoom(topic)) return false;
    for (const re of this.patterns) if (re.test(topic)) return true;
    return false;
  }

  join(session: Session, topic: string): Promise<void> {
    return this.emit('join', session, topic);
  }

  private async emit(event: 'join' | 'leave', session: Session, topic: string): Promise<void> {
    const frame: Frame = {
      type: 'presence',
      event,
      room: topic,
      data: { user_id: session.userId ?? null, client_id: session.id },
      timestamp: Date.now(),
    };
    try {
      await this.r.ctx.topics.publish(null, topic, frame);
    } catch (err) {
      this.r.ctx.logger.warn({ err, room: topic, event }, 'presence event not published');
    }
  }
}
