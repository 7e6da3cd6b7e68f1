/**
 * Room name rules: required (ROOM_REQUIRED), at most `maxRoomNameLength` characters, only the
 * characters of `roomNamePattern` (INVALID_MESSAGE with the reason). `$` is never allowed:
 * the kernel's system topics (`$broadcast`) use it, so no client can join them as a room.
 * The owner-scoped rooms `order-{id}` and `seller-{id}` need their id: `order-` alone is
 * INVALID_ROOM_FORMAT, not a plain room that would escape the owner's policy.
 */
import { ActorwireError, protocolError } from '@actorwire/core';

/** Prefixes whose rooms belong to an owner (the policies read the id after them). */
export const OWNER_SCOPED = ['order-', 'seller-'] as const;

export interface RoomNameRules {
  maxRoomNameLength: number;
  roomNamePattern: string;
}

export class RoomNames {
  private readonly pattern: RegExp;
  private readonly max: number;
  private readonly describe: string;

  constructor(rules: RoomNameRules) {
    this.pattern = new RegExp(rules.roomNamePattern);
    this.max = rules.maxRoomNameLength;
    this.describe = rules.roomNamePattern === DEFAULT_PATTERN
      ? 'room name may only contain letters, digits and _ . : @ -'
      : `room name must match ${rules.roomNamePattern}`;
  }

  /** The error for a bad room name, or undefined when `room` is a valid name. */
  problem(room: unknown): ActorwireError | undefined {
    if (room === undefined || room === null || room === '') return protocolError('ROOM_REQUIRED');
    if (typeof room !== 'string') return protocolError('INVALID_MESSAGE', 'room must be a string');
    if (room.length > this.max) return protocolError('INVALID_MESSAGE', `room name must be at most ${this.max} characters`);
    if (room.includes('$') || !this.pattern.test(room)) return protocolError('INVALID_MESSAGE', this.describe);
    for (const prefix of OWNER_SCOPED) {
      if (room === prefix) {
        return new ActorwireError('INVALID_ROOM_FORMAT', `room "${prefix}" needs an id: ${prefix}{id}`, { status: 400 });
      }
    }
    return undefined;
  }

  /** Throw the error of a bad room name; returns the name when valid. */
  check(room: unknown): string {
    const err = this.problem(room);
    if (err) throw err;
    return room as string;
  }
}

export const DEFAULT_PATTERN = '^[A-Za-z0-9_.:@-]+$';
