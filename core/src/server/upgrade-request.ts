/** The HTTP request that asks to become a WebSocket, as `onUpgrade` hooks see it. */
import type { AuthMode, Dialect, Identity, UpgradeRequest, WsRouteOptions } from '../types.js';
import type { Span } from '@opentelemetry/api';

export class UpgradeRequestImpl implements UpgradeRequest {
  identity?: Identity;
  protocol?: string;
  /** The wire dialect chosen at the upgrade (undefined: the canonical protocol). */
  dialect: Dialect | undefined = undefined;
  /** The offered subprotocol that chose it, echoed unless a hook set `protocol`. */
  dialectProtocol: string | undefined = undefined;
  readonly data = new Map<string, unknown>();
  rejection: { status: number; body: Record<string, unknown> } | undefined;
  /** The upgrade's server span, when tracing (ended at the 101 or the refusal). */
  span: Span | undefined = undefined;
  private queryCache: URLSearchParams | undefined;

  constructor(
    readonly route: string,
    readonly url: string,
    /** What the session will see as its query string (minus redacted parameters). */
    public rawQuery: string,
    readonly params: Record<string, string>,
    readonly headers: Readonly<Record<string, string>>,
    readonly remoteAddress: string,
    readonly routeOptions: WsRouteOptions,
    readonly authMode: AuthMode,
  ) {}

  get query(): URLSearchParams {
    return (this.queryCache ??= new URLSearchParams(this.rawQuery));
  }

  redactQueryParam(name: string): void {
    const q = this.query;
    if (!q.has(name)) return;
    q.delete(name);
    this.rawQuery = q.toString();
  }

  reject(status: number, body: Record<string, unknown>): void {
    if (!this.rejection) this.rejection = { status, body };
  }

  get rejected(): boolean {
    return this.rejection !== undefined;
  }
}
