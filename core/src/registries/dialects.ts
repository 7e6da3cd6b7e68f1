/**
 * Wire dialects: how a connection's frames look on the wire. The kernel speaks one canonical
 * protocol internally (Frame objects, docs/protocol.md); a dialect, registered by a plugin, turns
 * each outbound frame into its own text (or nothing) and may rewrite inbound frames first.
 *
 * Fan-out stays native and serializes once per dialect present in a room, never per receiver:
 * a session of dialect D is subscribed to the uWS topic `<topic>\x1f<D>` instead of `<topic>`,
 * and a publish encodes the frame once for each dialect whose topic has subscribers here.
 * Transports keep carrying the canonical frame. A topic no dialect session ever joined costs
 * one Map lookup per registered dialect and no allocation.
 */
import type { TemplatedApp } from '#uws';
import { KernelError, KernelErrors } from '@actorwire/errors';
import { KERNEL_OWNER, who, type Seal } from './registration.js';
import type { Dialect, DialectRegistry, Frame } from '../types.js';

const SEP = '\u001f';
const NAME = /^[a-z][a-z0-9_.-]{0,31}$/;
/** The canonical protocol's name (choosing it means "no dialect"). */
export const CANONICAL_DIALECT = 'actorwire';

interface Entry {
  readonly dialect: Dialect;
  readonly owner: string;
  /** Canonical topic → its uWS topic for this dialect, while sessions of the dialect are on it. */
  readonly topics: Map<string, string>;
}

export class Dialects implements DialectRegistry {
  private readonly byName = new Map<string, Entry>();
  private readonly bySubprotocol = new Map<string, Entry>();
  private entries: Entry[] = [];
  private app: TemplatedApp | undefined;

  constructor(private readonly seal: Seal) {}

  define(dialect: Dialect, owner: string = KERNEL_OWNER): void {
    this.seal.check(owner, `dialect "${dialect?.name}"`);
    if (typeof dialect?.name !== 'string' || !NAME.test(dialect.name) || dialect.name === CANONICAL_DIALECT) {
      throw new KernelError(KernelErrors.PLUGIN_REGISTER, `${who(owner)} defines a dialect named ${JSON.stringify(dialect?.name)}: use 1–32 of a-z 0-9 _ . - (starting with a letter), not "${CANONICAL_DIALECT}"`, owner);
    }
    if (typeof dialect.encode !== 'function') throw new KernelError(KernelErrors.PLUGIN_REGISTER, `${who(owner)}: dialect "${dialect.name}" needs an encode function`, owner);
    const existing = this.byName.get(dialect.name);
    if (existing) throw new KernelError(KernelErrors.DUPLICATE_DIALECT, `${who(owner)} defines dialect "${dialect.name}", already defined by ${who(existing.owner)}`, owner);
    const entry: Entry = { dialect, owner, topics: new Map() };
    for (const sp of dialect.subprotocols ?? []) {
      const taken = this.bySubprotocol.get(sp.toLowerCase());
      if (taken) throw new KernelError(KernelErrors.DUPLICATE_DIALECT, `${who(owner)}: subprotocol "${sp}" of dialect "${dialect.name}" already selects dialect "${taken.dialect.name}" (${who(taken.owner)})`, owner);
      this.bySubprotocol.set(sp.toLowerCase(), entry);
    }
    this.byName.set(dialect.name, entry);
    this.entries = [...this.byName.values()];
  }

  get(name: string): Dialect | undefined {
    return this.byName.get(name)?.dialect;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** The dialect one of the offered subprotocols selects, with that subprotocol. */
  fromSubprotocols(offered: string): { dialect: Dialect; subprotocol: string } | undefined {
    if (this.bySubprotocol.size === 0 || offered === '') return undefined;
    for (const raw of offered.split(',')) {
      const sp = raw.trim();
      const e = this.bySubprotocol.get(sp.toLowerCase());
      if (e) return { dialect: e.dialect, subprotocol: sp };
    }
    return undefined;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Topics a dialect's sessions are remembered on (tests and health). */
  trackedTopics(name: string): number {
    return this.byName.get(name)?.topics.size ?? 0;
  }

  attach(app: TemplatedApp): void {
    this.app = app;
  }

  /** The uWS topic a session of `dialect` joins for `topic` (remembered for fan-out). */
  join(dialect: Dialect, topic: string): string {
    const topics = this.byName.get(dialect.name)!.topics;
    let name = topics.get(topic);
    if (name === undefined) topics.set(topic, (name = topic + SEP + dialect.name));
    return name;
  }

  /** A session of `dialect` left `topic` (already unsubscribed): forget it once nobody here is on it. */
  left(dialect: Dialect, topic: string): void {
    const topics = this.byName.get(dialect.name)!.topics;
    const name = topics.get(topic);
    if (name !== undefined && (this.app?.numSubscribers(name) ?? 0) === 0) topics.delete(topic);
  }

  /** Subscribers of `topic` here across every dialect (the canonical ones not included). */
  subscribers(app: TemplatedApp, topic: string): number {
    let n = 0;
    for (const e of this.entries) {
      const name = e.topics.get(topic);
      if (name !== undefined) n += app.numSubscribers(name);
    }
    return n;
  }

  /**
   * Publish `topic` to the sessions of every dialect on it: one encoding per dialect present.
   * `frame` is the canonical frame when the caller has it; else `payload` is parsed once.
   * Returns the receivers reached.
   */
  fanOut(app: TemplatedApp, topic: string, payload: string, frame: Frame | undefined): number {
    let receivers = 0;
    for (const e of this.entries) {
      const name = e.topics.get(topic);
      if (name === undefined) continue;
      const n = app.numSubscribers(name);
      if (n === 0) continue;
      frame ??= JSON.parse(payload) as Frame;
      const text = e.dialect.encode(frame, topic);
      if (text === undefined) continue;
      app.publish(name, text, false, false);
      receivers += n;
    }
    return receivers;
  }
}
