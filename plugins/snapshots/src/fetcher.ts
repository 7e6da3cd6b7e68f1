/** The entity snapshot fetcher: a view's upstream URL (path template + query), fetched by the shared upstream client. */
import type { Tracer } from '@opentelemetry/api';
import type { InputGuard } from '@actorwire/core';
import type { EntityPaths } from './options.js';
import { UpstreamClient, pathSegment, type Snapshot } from './upstream.js';
import type { View } from './view.js';

export type { Snapshot } from './upstream.js';

export interface FetcherOptions {
  restBaseUrl: string;
  restTimeout: number;
  maxBodyBytes: number;
  listPath: string;
  detailPath: string;
  paths: Readonly<Record<string, EntityPaths>>;
}

export class Fetcher {
  private readonly base: string;
  private readonly client: UpstreamClient;

  constructor(private readonly o: FetcherOptions, tracer?: Tracer, guard?: InputGuard) {
    this.base = o.restBaseUrl.replace(/\/+$/, '');
    this.client = new UpstreamClient({ timeout: o.restTimeout, maxBodyBytes: o.maxBodyBytes, ...(tracer ? { tracer } : {}), ...(guard ? { guard } : {}) });
  }

  /** The upstream URL of a view. */
  url(view: View): string {
    const paths = this.o.paths[view.entity];
    const template = view.kind === 'list' ? paths?.list ?? this.o.listPath : paths?.detail ?? this.o.detailPath;
    const path = template.replace(/\{(entity|section|id)\}/g, (_, name: 'entity' | 'section' | 'id') => pathSegment(name, view[name] ?? ''));
    const url = new URL(this.base + path);
    for (const [name, value] of view.query) url.searchParams.append(name, value);
    return url.toString();
  }

  fetch(view: View, token: string | undefined, now: () => number): Promise<Snapshot> {
    const notFound = view.kind === 'detail' ? `${view.entity} ${view.id} not found` : `no ${view.entity} for section ${view.section}`;
    return this.client.getJson(this.url(view), token, notFound, now);
  }
}
