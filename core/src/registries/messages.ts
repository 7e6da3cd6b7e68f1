/**
 * Inbound message types: each has a schema (compiled once by ajv), a handler and optional
 * aliases. Normalization happens here so handlers only ever see the canonical form.
 */
import type { FastHistogram } from '@actorwire/telemetry';
import type { ValidateFunction } from 'ajv';
import { KernelError, KernelErrors } from '@actorwire/errors';
import { KERNEL_OWNER, who, type Seal } from './registration.js';
import { createAjv } from '@actorwire/inputs';
import type { AliasNormalizer, InboundMessage, MessageDefinition, MessageRegistry } from '../types.js';

export interface CompiledMessage {
  type: string;
  owner: string;
  def: MessageDefinition;
  validate?: ValidateFunction;
  routes?: Set<string>;
  /** Its handling-time histogram, found on first use. */
  handling?: FastHistogram;
  /** Whether some onMessage hook runs for it: known once registries are sealed, found on first use. */
  hooked?: boolean;
}

interface AliasEntry {
  target: CompiledMessage;
  normalize: AliasNormalizer;
}

export class Messages implements MessageRegistry {
  private readonly ajv = createAjv({ useDefaults: true });
  private readonly byType = new Map<string, CompiledMessage>();
  private readonly aliases = new Map<string, AliasEntry>();

  constructor(private readonly seal: Seal) {}

  define<M extends InboundMessage>(type: string, def: MessageDefinition<M>, owner: string = KERNEL_OWNER): void {
    this.seal.check(owner, `message type "${type}"`);
    if (typeof type !== 'string' || type.length === 0) {
      throw new KernelError(KernelErrors.PLUGIN_REGISTER, `${who(owner)} defined a message type with an empty name`, owner);
    }
    for (const name of [type, ...Object.keys(def.aliases ?? {})]) this.assertFree(name, owner);
    let validate: ValidateFunction | undefined;
    if (def.schema) {
      try {
        validate = this.ajv.compile(def.schema);
      } catch (err) {
        throw new KernelError(KernelErrors.INVALID_SCHEMA, `${who(owner)}: schema of message type "${type}" is invalid: ${(err as Error).message}`, owner, err);
      }
    }
    const compiled: CompiledMessage = {
      type,
      owner,
      def: def as unknown as MessageDefinition,
      validate,
      routes: def.routes ? new Set(def.routes) : undefined,
    };
    this.byType.set(type, compiled);
    for (const [alias, normalize] of Object.entries(def.aliases ?? {})) this.aliases.set(alias, { target: compiled, normalize });
  }

  private assertFree(name: string, owner: string): void {
    const existing = this.byType.get(name) ?? this.aliases.get(name)?.target;
    if (existing) {
      throw new KernelError(
        KernelErrors.DUPLICATE_MESSAGE_TYPE,
        `${who(owner)} defines message type "${name}", already defined by ${who(existing.owner)}`,
        owner,
      );
    }
  }

  has(type: string): boolean {
    return this.byType.has(type) || this.aliases.has(type);
  }

  /** The plugin that defined a (canonical) message type. */
  ownerOf(type: string): string | undefined {
    return this.byType.get(type)?.owner;
  }

  types(): string[] {
    return [...this.byType.keys()];
  }

  /**
   * Find the definition for a raw frame and normalize it. Returns undefined for an unknown type.
   * `raw` must be a plain object with a string `type`.
   */
  resolve(raw: Record<string, unknown>): { compiled: CompiledMessage; message: InboundMessage } | undefined {
    const type = raw.type as string;
    const direct = this.byType.get(type);
    if (direct) {
      const n = direct.def.normalize?.(raw);
      return { compiled: direct, message: n ?? (raw as InboundMessage) };
    }
    const alias = this.aliases.get(type);
    if (!alias) return undefined;
    const message = alias.normalize(raw) ?? ({ ...raw, type: alias.target.type } as InboundMessage);
    return { compiled: alias.target, message };
  }
}
