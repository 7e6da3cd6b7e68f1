/**
 * Who is in a room, kept from the presence list (`{"type":"presence","room"}`'s answer) and the
 * join/leave events that follow it. Pure functions: the list replaces, events adjust.
 */
import type { PresenceFrame, PresenceListFrame, PresenceMember } from '@actorwire/client';

export interface Presence {
  /** One entry per user (null: anonymous sessions), with how many of their connections are in the room. */
  members: readonly PresenceMember[];
  /** Connections in the room. */
  clientCount: number;
}

export function presenceFromList(frame: PresenceListFrame): Presence {
  const members = Array.isArray(frame.data?.members) ? frame.data.members.map((m) => ({ user_id: m.user_id ?? null, connections: Number(m.connections) || 0 })) : [];
  const count = frame.data?.client_count;
  return { members, clientCount: typeof count === 'number' ? count : members.reduce((n, m) => n + m.connections, 0) };
}

/** A join or leave applied to what is known (nothing known yet: the list that follows will say). */
export function applyPresenceEvent(p: Presence | undefined, frame: PresenceFrame): Presence | undefined {
  if (p === undefined) return undefined;
  const user = frame.data?.user_id ?? null;
  const i = p.members.findIndex((m) => m.user_id === user);
  const members = p.members.slice();
  if (frame.event === 'join') {
    if (i < 0) members.push({ user_id: user, connections: 1 });
    else members[i] = { user_id: user, connections: members[i]!.connections + 1 };
    return { members, clientCount: p.clientCount + 1 };
  }
  if (frame.event === 'leave') {
    if (i < 0) return p;
    const left = members[i]!.connections - 1;
    if (left <= 0) members.splice(i, 1);
    else members[i] = { user_id: user, connections: left };
    return { members, clientCount: Math.max(0, p.clientCount - 1) };
  }
  return p;
}
