/**
 * A view's server topic: `$snapshots:view:<entity>:<section>:<kind>:<id>:<query>`, each part
 * percent-encoded (so `:` only separates) and the query in its canonical order. Sessions that
 * watch the view are subscribed to it; its refreshes are published there. Topic names come back
 * from presence and other instances, so `viewOf` checks every part as a request would be checked
 * and answers undefined for anything this plugin would not have made.
 */
import { isCredentialName } from './credentials.js';
import type { EntityTable } from './entities.js';
import { SECTION } from './routes.js';
import { makeView, type View } from './view.js';

export const VIEW_TOPIC_PREFIX = '$snapshots:view:';

export interface ViewTopicCodec {
  readonly prefix: string;
  topicOf(view: View): string;
  viewOf(topic: string): View | undefined;
}

export function viewTopics(entities: EntityTable, maxQueryParams: number): ViewTopicCodec {
  return {
    prefix: VIEW_TOPIC_PREFIX,
    topicOf: topicOf,
    viewOf(topic) {
      if (!topic.startsWith(VIEW_TOPIC_PREFIX)) return undefined;
      const parts = topic.slice(VIEW_TOPIC_PREFIX.length).split(':');
      if (parts.length !== 5) return undefined;
      let entity: string, section: string, kind: string, id: string, q: string;
      try {
        [entity, section, kind, id, q] = parts.map(decodeURIComponent) as [string, string, string, string, string];
      } catch {
        return undefined;
      }
      if (entities.normalize(entity) !== entity || !SECTION.test(section)) return undefined;
      if (kind !== 'list' && kind !== 'detail') return undefined;
      if ((kind === 'detail') !== (id !== '') || id.length > 256) return undefined;
      const query: Array<[string, string]> = [];
      for (const [name, value] of new URLSearchParams(q)) {
        if (name.length === 0 || name.length > 64 || value.length > 512 || isCredentialName(name)) return undefined;
        query.push([name, value]);
      }
      if (query.length > maxQueryParams) return undefined;
      const view = makeView(entity, section, kind, id === '' ? undefined : id, query);
      // Only the canonical spelling: one view, one topic.
      return topicOf(view) === topic ? view : undefined;
    },
  };
}

function topicOf(view: View): string {
  const query = new URLSearchParams(view.query as Array<[string, string]>).toString();
  return VIEW_TOPIC_PREFIX + [view.entity, view.section, view.kind, view.id ?? '', query].map(encodeURIComponent).join(':');
}
