/** A Kafka record as handlers see it: decoded key, string headers, parsed JSON value. */
import { InputRefused, parseUntrustedJson, type InputLimits, type InputRefusal } from '@actorwire/core';
import type { KafkaMessage } from 'kafkajs';

/** What a record may be: its value within the input guard's limits, and bounded headers. */
export interface RecordLimits extends InputLimits {
  /** Most headers a record may carry. */
  maxHeaders: number;
  /** Longest header value (bytes). */
  maxHeaderBytes: number;
}

export const DEFAULT_RECORD_LIMITS: RecordLimits = { maxBytes: 1024 * 1024, maxHeaders: 64, maxHeaderBytes: 8 * 1024 };

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
  constructor(
    readonly reason: string,
    /** Set when the input guard refused the record (counted as such). */
    readonly refusal?: InputRefusal,
  ) {
    super(reason);
    this.name = 'PoisonRecord';
  }
}

/**
 * Header values as strings. With `limits`, a record with too many headers or an oversize value is
 * poison; without (building a dead-letter copy, tracing), values past the limits are left out.
 */
export function decodeHeaders(headers: KafkaMessage['headers'], limits?: RecordLimits): Record<string, string> {
  // Header names come from producers: a null-prototype object, so no name reads as an inherited member.
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const max = limits ?? DEFAULT_RECORD_LIMITS;
  let n = 0;
  for (const k in headers ?? {}) {
    const v = headers![k];
    if (v === undefined) continue;
    if (++n > max.maxHeaders) {
      if (limits) throw new PoisonRecord(`more than ${max.maxHeaders} headers`, 'too_large');
      break;
    }
    const one = Array.isArray(v) ? v[v.length - 1] : v;
    if (one === undefined) continue;
    const size = Buffer.isBuffer(one) ? one.length : Buffer.byteLength(String(one));
    if (size > max.maxHeaderBytes || k.length > 256) {
      if (limits) throw new PoisonRecord(`header ${JSON.stringify(k.slice(0, 64))} is larger than ${max.maxHeaderBytes} bytes`, 'too_large');
      continue;
    }
    out[k] = Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
  }
  return out;
}

/** Decode a record within `limits` (the input guard's size and depth, bounded headers); PoisonRecord when it cannot be. */
export function decodeRecord(topic: string, partition: number, m: KafkaMessage, limits: RecordLimits = DEFAULT_RECORD_LIMITS): KafkaRecord {
  let value: unknown = null;
  const headers = decodeHeaders(m.headers, limits);
  if (m.value !== null && m.value.length > 0) {
    try {
      value = parseUntrustedJson(m.value, limits);
    } catch (err) {
      const e = err as InputRefused;
      throw new PoisonRecord(e.reason === 'invalid_json' ? `malformed JSON: ${e.message}` : `refused: ${e.message}`, e.reason);
    }
  }
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key === null ? null : m.key.toString('utf8'),
    headers,
    value,
    raw: m.value,
    timestamp: m.timestamp,
  };
}
