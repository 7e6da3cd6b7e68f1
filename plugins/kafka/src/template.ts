/**
 * Templates that pick a room or user from a record: `order-{value.order_id}`,
 * `{headers.tenant}:{key}`. A placeholder that resolves to nothing (or to an object) makes the
 * whole template resolve to undefined, so a record never goes to a half-filled room name.
 */
import type { KafkaRecord } from './record.js';

const PLACEHOLDER = /\{([^{}]+)\}/g;

function lookup(rec: KafkaRecord, path: string): unknown {
  let cur: unknown = { value: rec.value, headers: rec.headers, key: rec.key, topic: rec.topic };
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

export function render(template: string, rec: KafkaRecord): string | undefined {
  let missing = false;
  const out = template.replace(PLACEHOLDER, (_m, path: string) => {
    const v = lookup(rec, path.trim());
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    missing = true;
    return '';
  });
  return missing || out === '' ? undefined : out;
}
