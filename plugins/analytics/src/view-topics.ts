/**
 * A dashboard's server topic: `$analytics:view:<scope>:<entity>:<query>`, each part
 * percent-encoded and the query in its canonical order. Sessions on the dashboard are subscribed
 * to it; its re-queried answers are published there. Names read back from presence are input:
 * `dashboardOf` checks every part as a request would be checked.
 */
import type { EntityTable, ViewTopics } from '@actorwire/plugin-snapshots/upstream';
import { SCOPES, checkParam, makeDashboard, type Dashboard, type Scope } from './dashboard.js';

export const DASHBOARD_TOPIC_PREFIX = '$analytics:view:';

export function dashboardTopics(entities: EntityTable, maxQueryParams: number): ViewTopics<Dashboard> {
  return {
    prefix: DASHBOARD_TOPIC_PREFIX,
    topicOf,
    viewOf(topic) {
      if (!topic.startsWith(DASHBOARD_TOPIC_PREFIX)) return undefined;
      const parts = topic.slice(DASHBOARD_TOPIC_PREFIX.length).split(':');
      if (parts.length !== 3) return undefined;
      let scope: string, entity: string, q: string;
      try {
        [scope, entity, q] = parts.map(decodeURIComponent) as [string, string, string];
      } catch {
        return undefined;
      }
      if (!(SCOPES as readonly string[]).includes(scope) || entities.normalize(entity) !== entity) return undefined;
      const query = new Map<string, string>();
      try {
        for (const [name, value] of new URLSearchParams(q)) {
          if (query.has(name) || value === '') return undefined;
          checkParam(name, value);
          query.set(name, value);
        }
      } catch {
        return undefined;
      }
      if (query.size > maxQueryParams) return undefined;
      const d = makeDashboard(scope as Scope, entity, query);
      return topicOf(d) === topic ? d : undefined;
    },
  };
}

function topicOf(d: Dashboard): string {
  const query = new URLSearchParams(d.query as Array<[string, string]>).toString();
  return DASHBOARD_TOPIC_PREFIX + [d.scope, d.entity, query].map(encodeURIComponent).join(':');
}
