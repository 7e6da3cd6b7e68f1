/**
 * The presence bookkeeping of `useRoom`: the list replaces what is known, joins and leaves adjust
 * it per user (a user with two tabs is one member with two connections), and an event before any
 * list changes nothing (the list that follows says who is there).
 */
import t from 'tap';
import type { PresenceFrame, PresenceListFrame } from '@actorwire/client';
import { applyPresenceEvent, presenceFromList } from '../src/presence.js';

const list = (members: Array<[string | null, number]>, count?: number): PresenceListFrame => ({
  type: 'presence', room: 'r',
  data: { room: 'r', members: members.map(([user_id, connections]) => ({ user_id, connections })), client_count: count ?? members.reduce((n, [, c]) => n + c, 0) },
});
const event = (kind: 'join' | 'leave', user: string | null): PresenceFrame => ({ type: 'presence', event: kind, room: 'r', data: { user_id: user, client_id: `c-${user}` } });

t.test('a list, then joins and leaves', async (t) => {
  let p = applyPresenceEvent(presenceFromList(list([['ann', 1]])), event('join', 'bob'));
  t.same(p, { members: [{ user_id: 'ann', connections: 1 }, { user_id: 'bob', connections: 1 }], clientCount: 2 });
  p = applyPresenceEvent(p, event('join', 'bob'));
  t.same(p!.members.find((m) => m.user_id === 'bob'), { user_id: 'bob', connections: 2 }, "bob's second tab: one member, two connections");
  t.equal(p!.clientCount, 3);
  p = applyPresenceEvent(p, event('leave', 'bob'));
  t.same(p!.members.find((m) => m.user_id === 'bob'), { user_id: 'bob', connections: 1 });
  p = applyPresenceEvent(p, event('leave', 'bob'));
  t.same(p, { members: [{ user_id: 'ann', connections: 1 }], clientCount: 1 }, 'the last connection gone: the member is gone');
  t.equal(applyPresenceEvent(p, event('leave', 'zoe')), p, 'a leave of someone unknown changes nothing');
});

t.test('anonymous sessions are one member with a null user id', async (t) => {
  const p = applyPresenceEvent(presenceFromList(list([[null, 2]])), event('join', null));
  t.same(p, { members: [{ user_id: null, connections: 3 }], clientCount: 3 });
});

t.test('nothing known yet: an event waits for the list', async (t) => {
  t.equal(applyPresenceEvent(undefined, event('join', 'ann')), undefined);
});

t.test('a list without client_count counts the connections; a malformed one is empty', async (t) => {
  const f = list([['ann', 2], ['bob', 1]]);
  delete (f.data as { client_count?: number }).client_count;
  t.equal(presenceFromList(f).clientCount, 3);
  t.same(presenceFromList({ type: 'presence', room: 'r', data: {} } as unknown as PresenceListFrame), { members: [], clientCount: 0 });
});
