/**
 * What a dashboard session can send (`action` or `type`):
 *   {"action":"refresh"}                         re-query the upstream now
 *   {"action":"fetch","query":{"startDate":…}}   merge into the session's query (empty removes) and fetch
 * Answers are `.snapshot` frames to the sender; failures `.error` frames with a code; the
 * session stays open either way. The first snapshot is pushed when the session opens.
 */
import { protocolError, type MessageContext, type PluginContext, type Session } from '@actorwire/core';
import { SnapshotError, scoped, type CacheAnswer, type Scoped, type SnapshotCache, type UpstreamCredentials, type Watchers } from '@actorwire/plugin-snapshots/upstream';
import { ROUTE, seatOf, type Access, type Seat } from './access.js';
import { makeDashboard, mergeQuery, type Dashboard, type Paths } from './dashboard.js';
import { errorFrame, snapshotFrame, type FrameExtras } from './frames.js';

type Logger = PluginContext['logger'];

export interface CommandDeps {
  ctx: PluginContext;
  cache: SnapshotCache<Scoped<Dashboard>>;
  boards: Watchers<Dashboard>;
  access: Access;
  paths: Paths;
  maxQueryParams: number;
  /** A session's own requests go with its own credential or none; never the service token. */
  credentials: UpstreamCredentials;
  logger: Logger;
}

export class Commands {
  constructor(private readonly d: CommandDeps) {}

  define(): void {
    this.d.ctx.messages.define('refresh', { routes: [ROUTE], handle: (m) => this.refresh(m) });
    this.d.ctx.messages.define('fetch', { routes: [ROUTE], handle: (m) => this.fetch(m) });
  }

  /** The first snapshot, when the session opens. */
  async connect(session: Session, seat: Seat): Promise<void> {
    this.d.boards.watch(session, seat.dashboard);
    await this.answer(session, seat.dashboard, () => this.get(session, seat.dashboard), { action: 'connect' });
  }

  private async refresh(m: MessageContext): Promise<void> {
    const seat = seatOf(m.session);
    if (seat === undefined) return;
    const x: FrameExtras = { action: 'refresh', ...(m.message.id !== undefined ? { id: m.message.id } : {}) };
    const credential = this.d.credentials.forSession(m.session);
    await this.answer(m.session, seat.dashboard, async () => ({ snapshot: await this.d.cache.refresh(scoped(seat.dashboard, credential.audience), credential.token), cached: false }), x);
  }

  private async fetch(m: MessageContext): Promise<void> {
    const { session } = m;
    const seat = seatOf(session);
    if (seat === undefined) return;
    const raw = m.message as unknown as Record<string, unknown>;
    const x: FrameExtras = { action: 'fetch', ...(m.message.id !== undefined ? { id: m.message.id } : {}) };
    const current = seat.dashboard;
    let query: Map<string, string>;
    try {
      query = mergeQuery(seat.query, raw.query ?? {}, this.d.maxQueryParams);
      const missing = this.d.paths.required(current.scope, current.entity).filter((p) => !query.has(p));
      if (missing.length > 0) throw new SnapshotError('INVALID_MESSAGE', `invalid message: ${current.scope} ${current.entity} analytics need the query parameter ${missing.join(', ')}`);
      this.d.paths.checkPath(current.scope, current.entity, query);
      // Another restaurant is another authorization question.
      const refused = await this.d.access.check(current.scope, session.identity, query, () => session);
      if (refused !== null) throw refused.code === 'INVALID_MESSAGE' ? new SnapshotError('INVALID_MESSAGE', refused.error) : protocolError('FORBIDDEN', refused.error);
    } catch (err) {
      session.sendRaw(errorFrame(current, asSnapshotError(err), x));
      return;
    }
    const next = makeDashboard(current.scope, current.entity, query);
    seat.query = query;
    seat.dashboard = next;
    this.d.boards.watch(session, next);
    await this.answer(session, next, () => this.get(session, next), x);
  }

  /** A dashboard for the session's own request: with its own credential, from the cache of its audience. */
  private get(session: Session, d: Dashboard): Promise<CacheAnswer> {
    const credential = this.d.credentials.forSession(session);
    return this.d.cache.get(scoped(d, credential.audience), credential.token);
  }

  private async answer(session: Session, d: Dashboard, load: () => Promise<Pick<CacheAnswer, 'snapshot' | 'cached'>>, x: FrameExtras): Promise<void> {
    let frame: string;
    try {
      const got = await load();
      frame = snapshotFrame(d, got.snapshot, { ...x, cached: got.cached });
    } catch (err) {
      if (!(err instanceof SnapshotError)) this.d.logger.error({ err, scope: d.scope, entity: d.entity }, 'analytics fetch failed');
      frame = errorFrame(d, asSnapshotError(err), x);
    }
    // The session may have moved to another query meanwhile: an answer for the old one is dropped.
    if (seatOf(session)?.dashboard.key === d.key) session.sendRaw(frame);
  }
}

function asSnapshotError(err: unknown): { code: string; message: string; upstreamStatus?: number } {
  if (err instanceof SnapshotError) return err;
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && typeof e.message === 'string') return { code: e.code, message: e.message };
  return { code: 'INTERNAL_ERROR', message: 'internal error' };
}
