/// <reference lib="dom" />
/**
 * The React app the browser test builds (esbuild) and opens in Chromium: one page per view,
 * chosen by the query — `view=room` (a room with presence, a publish box, a button that unmounts
 * it), `view=entity` (a list and a detail), `view=dashboard` (a dashboard with a filter button).
 * Everything it shows carries an id the test reads; it runs under StrictMode (effects mount twice).
 */
import { StrictMode, createElement as h, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { ActorwireClient } from '@actorwire/client';
import { ActorwireProvider, useActorwire, useDashboard, useEntityView, useRoom } from '../../src/index.js';

const q = new URLSearchParams(location.search);
const param = (name: string): string => {
  const v = q.get(name);
  if (v === null) throw new Error(`the page needs ?${name}=`);
  return v;
};

function Status() {
  const { state, userId, reconnected, lastClose } = useActorwire();
  return h('p', { id: 'status' }, `${state} ${userId ?? '-'} reconnected=${reconnected} lastClose=${lastClose?.code ?? '-'}`);
}

function Room({ name }: { name: string }) {
  const room = useRoom<{ text: string }>(name, { presence: true, keep: 50 });
  const [text, setText] = useState('');
  const members = room.presence?.members.map((m) => `${m.user_id}×${m.connections}`).sort().join(',') ?? '?';
  return h('section', { id: 'room' },
    h('p', { id: 'room-status' }, `${room.status}${room.error ? ` ${(room.error as { code?: string }).code}` : ''}`),
    h('p', { id: 'members' }, `${room.presence?.clientCount ?? '?'}: ${members}`),
    h('ul', { id: 'messages' }, room.messages.map((m, i) => h('li', { key: `${m.offset ?? i}-${i}` }, `${m.user_id}: ${m.data.text}`))),
    h('form', { onSubmit: (e: { preventDefault(): void }) => { e.preventDefault(); room.publish({ text }); setText(''); } },
      h('input', { name: 'text', value: text, onChange: (e: { target: { value: string } }) => setText(e.target.value) })),
  );
}

function RoomPage() {
  const [inRoom, setInRoom] = useState(true);
  return h('main', null,
    h(Status),
    h('button', { id: 'toggle', onClick: () => setInRoom((v) => !v) }, inRoom ? 'leave' : 'join'),
    inRoom ? h(Room, { name: param('room') }) : h('p', { id: 'left' }, 'left the room'),
  );
}

function EntityList({ entity, status }: { entity: string; status?: string }) {
  const view = useEntityView<{ path: string; query: Record<string, string>; version: number }>(entity, { query: status === undefined ? {} : { status } });
  return h('p', { id: `list-${status ?? 'all'}` }, view.data ? `${view.data.type} ${view.data.payload.path} status=${view.data.payload.query.status ?? '-'} v${view.data.payload.version}` : view.error ? `error ${(view.error as { code?: string }).code}` : 'loading');
}

function EntityDetail({ entity, id }: { entity: string; id: string }) {
  const view = useEntityView<{ path: string; version: number }>(entity, { id });
  return h('p', { id: 'detail' }, view.data ? `${view.data.type} ${view.data.payload.path} v${view.data.payload.version}` : view.error ? `error ${(view.error as { code?: string }).code}` : 'loading');
}

function EntityPage() {
  return h('main', null, h(Status), h(EntityList, { entity: param('entity'), status: 'free' }), h(EntityList, { entity: param('entity') }), h(EntityDetail, { entity: param('entity'), id: param('id') }));
}

function DashboardPage() {
  const board = useDashboard<{ query: Record<string, string>; version: number }>(param('scope'), param('entity'));
  const shown = board.data ? `${board.data.action} startDate=${board.data.payload.query.startDate ?? '-'} v${board.data.payload.version}` : board.error ? `error ${(board.error as { code?: string }).code}` : 'loading';
  return h('main', null,
    h(Status),
    h('p', { id: 'dashboard' }, shown),
    h('button', { id: 'filter', onClick: () => void board.setFilters({ startDate: '2024-01-01' }) }, 'from 2024'),
    h('button', { id: 'refresh', onClick: () => void board.refresh() }, 'refresh'),
  );
}

const client = new ActorwireClient({ url: param('ws'), token: param('token'), tokenIn: 'query', backoff: { baseDelay: 100, maxDelay: 500 } });
const pages = new Map([['room', RoomPage], ['entity', EntityPage], ['dashboard', DashboardPage]]);
const page = pages.get(param('view'));
if (page === undefined) throw new Error(`no view ${param('view')}`);
createRoot(document.getElementById('root')!).render(h(StrictMode, null, h(ActorwireProvider, { client }, h(page))));
