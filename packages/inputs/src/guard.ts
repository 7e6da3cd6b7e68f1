/**
 * The one guard for input from outside a session — a Redis message, a Kafka record, an upstream
 * REST body, an HTTP body — with the limits a client frame has: a size cap, a nesting-depth cap
 * checked on the text before it is parsed (a deep document is refused without recursion, so
 * nothing downstream — JSON.stringify, a converter — can overflow the stack), valid JSON, and
 * an object shape. A refused input is counted by source and reason
 * (`actorwire_inputs_refused`), logged through a LogLimiter, and dropped; nothing the guard
 * checks throws past it, and `shield` keeps anything else thrown out of a driver's event handler.
 */
import { LogLimiter } from '@actorwire/telemetry';

/** Deepest JSON nesting accepted anywhere (client frames too). */
export const MAX_JSON_DEPTH = 64;

export type InputRefusal = 'too_large' | 'too_deep' | 'invalid_json' | 'not_object' | 'bad_shape' | 'failed';

export interface InputLimits {
  /** Largest input in bytes (UTF-8). */
  maxBytes: number;
  /** Deepest nesting of objects and arrays (default MAX_JSON_DEPTH). */
  maxDepth?: number;
}

/** Thrown by `parseUntrustedJson`; `reason` is the stable refusal code. */
export class InputRefused extends Error {
  constructor(readonly reason: InputRefusal, message: string) {
    super(message);
    this.name = 'InputRefused';
  }
}

/**
 * True when the JSON text nests objects/arrays deeper than `max`: a scan of the bytes (strings
 * skipped) before parsing, with no allocation, so pathological documents are refused cheaply.
 */
export function nestedDeeperThan(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      if (b === 0x5c) i++; // backslash: skip the escaped byte
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x7b || b === 0x5b) {
      if (++depth > max) return true;
    } else if (b === 0x7d || b === 0x5d) depth--;
  }
  return false;
}

/** `nestedDeeperThan` for a JS string (structural characters are ASCII: code units suffice). */
export function textNestedDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** UTF-8 byte length of a string, computed only when the character count cannot settle `<= max`. */
export function utf8LengthOver(text: string, max: number): boolean {
  if (text.length > max) return true;
  if (text.length * 3 <= max) return false;
  return Buffer.byteLength(text, 'utf8') > max;
}

/** The size and depth checks alone (for text that is passed on verbatim after a parse elsewhere). */
export function checkUntrustedText(input: string | Uint8Array, limits: InputLimits): void {
  const max = limits.maxDepth ?? MAX_JSON_DEPTH;
  if (typeof input === 'string') {
    if (utf8LengthOver(input, limits.maxBytes)) throw new InputRefused('too_large', `larger than ${limits.maxBytes} bytes`);
    // A document deeper than `max` needs an opening and a closing character per level.
    if (input.length > 2 * max && textNestedDeeperThan(input, max)) throw new InputRefused('too_deep', `JSON nested deeper than ${max} levels`);
  } else {
    if (input.byteLength > limits.maxBytes) throw new InputRefused('too_large', `larger than ${limits.maxBytes} bytes`);
    if (input.byteLength > 2 * max && nestedDeeperThan(input, max)) throw new InputRefused('too_deep', `JSON nested deeper than ${max} levels`);
  }
}

/** Parse untrusted JSON within `limits`; throws InputRefused (never a RangeError from depth). */
export function parseUntrustedJson(input: string | Uint8Array, limits: InputLimits): unknown {
  checkUntrustedText(input, limits);
  const text = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputRefused('invalid_json', `not JSON: ${(err as Error).message.slice(0, 120)}`);
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What the kernel's guard factory wires into each guard. */
export interface InputGuardSink {
  refused(source: string, reason: InputRefusal): void;
  log: LogLimiter;
}

/**
 * A source's guard (`ctx.inputs('redis')`): parse, count, log, drop. Every method that refuses
 * returns undefined after counting; none throws.
 */
export class InputGuard {
  constructor(
    readonly source: string,
    readonly limits: InputLimits,
    private readonly sink: InputGuardSink,
  ) {}

  /** The parsed JSON, or undefined when refused (counted and logged with `context`). */
  json(input: string | Uint8Array, context: Record<string, unknown> = {}): unknown {
    try {
      return parseUntrustedJson(input, this.limits);
    } catch (err) {
      this.refuseError(err, context);
      return undefined;
    }
  }

  /** The parsed JSON object, or undefined when the input is not one (counted and logged). */
  object(input: string | Uint8Array, context: Record<string, unknown> = {}): Record<string, unknown> | undefined {
    const v = this.json(input, context);
    if (v === undefined) return undefined;
    if (!isPlainObject(v)) {
      this.refuse('not_object', 'not a JSON object', context);
      return undefined;
    }
    return v;
  }

  /** True when the text is within the size and depth limits (counted and logged when not). */
  text(input: string | Uint8Array, context: Record<string, unknown> = {}): boolean {
    try {
      checkUntrustedText(input, this.limits);
      return true;
    } catch (err) {
      this.refuseError(err, context);
      return false;
    }
  }

  /** Count and log a refusal decided by the caller (a shape it does not accept). */
  refuse(reason: InputRefusal, detail: string, context: Record<string, unknown> = {}): void {
    this.sink.refused(this.source, reason);
    this.sink.log.warn(`${this.source}:${reason}`, { source: this.source, reason, detail, ...context }, `refused an input from ${this.source}`);
  }

  /**
   * Run a handler of outside input so that nothing it throws reaches the caller (a driver's event
   * emitter would crash the process): a throw is counted as `failed` and logged.
   */
  shield<A extends unknown[]>(fn: (...args: A) => void, context: (...args: A) => Record<string, unknown> = () => ({})): (...args: A) => void {
    return (...args: A) => {
      try {
        fn(...args);
      } catch (err) {
        let fields: Record<string, unknown> = {};
        try {
          fields = context(...args);
        } catch { /* the context is best effort */ }
        this.refuse(err instanceof InputRefused ? err.reason : 'failed', (err as Error)?.message?.slice(0, 200) ?? String(err), fields);
      }
    };
  }

  private refuseError(err: unknown, context: Record<string, unknown>): void {
    if (err instanceof InputRefused) this.refuse(err.reason, err.message, context);
    else this.refuse('failed', (err as Error)?.message ?? String(err), context);
  }
}

/**
 * The body of a fetch() response as text, at most `maxBytes` (a declared or streamed excess
 * cancels the body and throws InputRefused 'too_large'), so an upstream cannot make us buffer
 * more than we accept.
 */
export async function readBoundedBody(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new InputRefused('too_large', `larger than ${maxBytes} bytes`);
  }
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      await res.body.cancel().catch(() => undefined);
      throw new InputRefused('too_large', `larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
