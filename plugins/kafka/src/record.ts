/** A Kafka record as handlers see it: decoded key, string headers, parsed JSON value. */
import type { KafkaMessage } from 'kafkajs';

export interface KafkaRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: Record<string, string>;
  /** The parsed JSON value (null for a tombstone). */
  value: unknown;
  /** The raw value, for handlers that want bytes. */
  raw: Buffer | null;
  timestamp: string;
}

/** A record that can never succeed (bad JSON): straight to the dead-letter topic. */
export class PoisonRecord extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'PoisonRecord';
  }
}

export function decodeHeaders(headers: KafkaMessage['headers']): Record<string, string> {
  // Header names come from producers: a null-prototype object, so no name reads as an inherited member.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    const one = Array.isArray(v) ? v[v.length - 1] : v;
    if (one !== undefined) out[k] = Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
  }
  return out;
}

export function decodeRecord(topic: string, partition: number, m: KafkaMessage): KafkaRecord {
  let value: unknown = null;
  if (m.value !== null && m.value.length > 0) {
    try {
      value = JSON.parse(m.value.toString('utf8'));
    } catch (err) {
      throw new PoisonRecord(`malformed JSON: ${(err as Error).message}`);
    }
  }
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key === null ? null : m.key.toString('utf8'),
    headers: decodeHeaders(m.headers),
    value,
    raw: m.value,
    timestamp: m.timestamp,
  };
}
