/** Options of the kafka plugin: JSON schema (ajv fills defaults) and environment variables. */
import { KernelError, KernelErrors } from '@actorwire/core';
import { envBool, envDuration, envEnum, envInt, envSize, envList, envString } from '@actorwire/config';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaOptions {
  /** `host:port` list. Env KAFKA_BROKERS. */
  brokers: string[];
  /** Env KAFKA_CLIENT_ID. */
  clientId: string;
  /** Consumer group. Env KAFKA_GROUP_ID. */
  groupId: string;
  /** TLS to the brokers. Env KAFKA_SSL. */
  ssl: boolean;
  /** SASL. Env KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD. */
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
  /** The entity services' `entity:topicA|topicB` entries (comma-separated in the env). Env WS_ENTITY_TOPICS. */
  entityTopics: string[];
  /** Room of a record on an entity topic: header `ws-room`, else this template (`order-{value.order_id}`). Env KAFKA_ROOM_TEMPLATE. */
  roomTemplate?: string;
  /** User of a record: header `ws-user`, else this template (`{value.user_id}`). Env KAFKA_USER_TEMPLATE. */
  userTemplate?: string;
  /** Read a new group's topics from the beginning (else only new records). Env KAFKA_FROM_BEGINNING. */
  fromBeginning: boolean;
  /** Attempts of a failing handler before the record goes to the dead-letter topic. Env KAFKA_MAX_ATTEMPTS. */
  maxAttempts: number;
  /** First retry delay (ms), doubled each time, capped at 30 s. Env KAFKA_RETRY_BACKOFF. */
  retryBackoff: number;
  /** Dead-letter topic. Env KAFKA_DLQ_TOPIC. */
  dlqTopic: string;
  /** Forward client messages to this topic (producer off when unset). Env KAFKA_FORWARD_TOPIC. */
  forwardTopic?: string;
  /** Message types to forward. Env KAFKA_FORWARD_TYPES. */
  forwardTypes: string[];
  /** Only messages for rooms matching these patterns (kernel pattern syntax); empty = every room. Env KAFKA_FORWARD_ROOMS. */
  forwardRooms: string[];
  /** Forwards awaiting the broker at most; beyond, they are dropped and counted. Env KAFKA_FORWARD_MAX_PENDING. */
  forwardMaxPending: number;
  /** Bytes of forwards awaiting the broker at most. Env KAFKA_FORWARD_MAX_PENDING_BYTES. */
  forwardMaxPendingBytes: number;
  /** Consumer lag refresh interval (ms). Env KAFKA_LAG_INTERVAL. */
  lagInterval: number;
  /** Largest record value taken (bytes); larger ones go to the dead-letter topic, counted. Env KAFKA_MAX_RECORD_SIZE. */
  maxRecordSize: number;
}

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['brokers'],
  properties: {
    brokers: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[^:/\\s]+:\\d{1,5}$' } },
    clientId: { type: 'string', minLength: 1, default: 'actorwire' },
    groupId: { type: 'string', minLength: 1, default: 'actorwire' },
    ssl: { type: 'boolean', default: false },
    sasl: {
      type: 'object',
      additionalProperties: false,
      required: ['mechanism', 'username', 'password'],
      properties: { mechanism: { enum: ['plain', 'scram-sha-256', 'scram-sha-512'] }, username: { type: 'string' }, password: { type: 'string' } },
    },
    entityTopics: { type: 'array', items: { type: 'string', pattern: '^[^:|,\\s]+:[^:,\\s]+$' }, default: [] },
    roomTemplate: { type: 'string', minLength: 1 },
    userTemplate: { type: 'string', minLength: 1 },
    fromBeginning: { type: 'boolean', default: false },
    maxAttempts: { type: 'integer', minimum: 1, maximum: 100, default: 5 },
    retryBackoff: { type: 'integer', minimum: 1, default: 200 },
    dlqTopic: { type: 'string', minLength: 1, default: 'actorwire.dlq' },
    forwardTopic: { type: 'string', minLength: 1 },
    forwardTypes: { type: 'array', items: { type: 'string', minLength: 1 }, default: ['publish'] },
    forwardRooms: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
    forwardMaxPending: { type: 'integer', minimum: 1, default: 10_000 },
    forwardMaxPendingBytes: { type: 'integer', minimum: 1024, default: 16 * 1024 * 1024 },
    lagInterval: { type: 'integer', minimum: 100, default: 5000 },
    maxRecordSize: { type: 'integer', minimum: 1024, default: 1024 * 1024 },
  },
} as const;

export function optionsFromEnv(env: NodeJS.ProcessEnv): Partial<KafkaOptions> {
  const mechanism = envEnum(env, 'KAFKA_SASL_MECHANISM', ['plain', 'scram-sha-256', 'scram-sha-512'] as const);
  let sasl: KafkaOptions['sasl'];
  if (mechanism) {
    const username = envString(env, 'KAFKA_SASL_USERNAME');
    const password = envString(env, 'KAFKA_SASL_PASSWORD');
    if (username === undefined || password === undefined) {
      throw new KernelError(KernelErrors.CONFIG, 'KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD', 'KAFKA_SASL_USERNAME');
    }
    sasl = { mechanism, username, password };
  }
  const entityTopics = envList(env, 'WS_ENTITY_TOPICS');
  for (const e of entityTopics ?? []) {
    if (!/^[^:|,\s]+:[^:,\s]+$/.test(e)) throw new KernelError(KernelErrors.CONFIG, `invalid WS_ENTITY_TOPICS entry ${JSON.stringify(e)}: expected entity:topicA|topicB`, 'WS_ENTITY_TOPICS');
  }
  return {
    brokers: envList(env, 'KAFKA_BROKERS'),
    clientId: envString(env, 'KAFKA_CLIENT_ID'),
    groupId: envString(env, 'KAFKA_GROUP_ID'),
    ssl: envBool(env, 'KAFKA_SSL'),
    sasl,
    entityTopics,
    roomTemplate: envString(env, 'KAFKA_ROOM_TEMPLATE'),
    userTemplate: envString(env, 'KAFKA_USER_TEMPLATE'),
    fromBeginning: envBool(env, 'KAFKA_FROM_BEGINNING'),
    maxAttempts: envInt(env, 'KAFKA_MAX_ATTEMPTS', { min: 1, max: 100 }),
    retryBackoff: envDuration(env, 'KAFKA_RETRY_BACKOFF', { min: 1 }),
    dlqTopic: envString(env, 'KAFKA_DLQ_TOPIC'),
    forwardTopic: envString(env, 'KAFKA_FORWARD_TOPIC'),
    forwardTypes: envList(env, 'KAFKA_FORWARD_TYPES'),
    forwardRooms: envList(env, 'KAFKA_FORWARD_ROOMS'),
    forwardMaxPending: envInt(env, 'KAFKA_FORWARD_MAX_PENDING', { min: 1 }),
    forwardMaxPendingBytes: envSize(env, 'KAFKA_FORWARD_MAX_PENDING_BYTES', { min: 1024 }),
    lagInterval: envDuration(env, 'KAFKA_LAG_INTERVAL', { min: 100 }),
    maxRecordSize: envSize(env, 'KAFKA_MAX_RECORD_SIZE', { min: 1024 }),
  };
}

/** `orders:orders.created|orders.updated` entries → topic → entity. */
export function entityOfTopics(entries: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of entries) {
    const i = e.indexOf(':');
    const entity = e.slice(0, i);
    for (const topic of e.slice(i + 1).split('|')) if (topic) out.set(topic, entity);
  }
  return out;
}
