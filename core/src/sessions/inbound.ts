/**
 * The inbound pipeline of every frame:
 *   size → rate limit → JSON parse → alias normalization → ajv validation
 *   → phase gate → onMessage hooks → handler.
 * Every failure answers a docs/protocol.md error and keeps the session open (unless the
 * error itself closes it, as sustained rate-limit abuse does).
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context as otelContext, trace } from '@opentelemetry/api';
import type { RootSpans, FastHistogram } from '@actorwire/telemetry';
import type { Logger } from 'pino';
import { CloseCodes, isActorwireError, protocolError, type ActorwireError } from '@actorwire/errors';
import type { HookRegistry } from '../registries/hooks.js';
import type { Messages, CompiledMessage } from '../registries/messages.js';
import type { WebSocketConfig } from '@actorwire/config';
import type { Clock, Frame, InboundMessage, MessageContext } from '../types.js';
import { describeErrors, MAX_JSON_DEPTH, nestedDeeperThan } from '@actorwire/inputs';
import type { SessionImpl } from './session.js';

export interface InboundDeps {
  config: WebSocketConfig;
  messages: Messages;
  hooks: HookRegistry;
  logger: Logger;
  /** Set when spans are exported: a message span only for a sampled message (none at all otherwise). */
  roots?: RootSpans | undefined;
  /** The kernel clock (rate limit, activity for the heartbeat). */
  clock: Clock;
  stats: { received(type: string): void; error(code: string): void; handlingOf?(type: string): FastHistogram };
}

export type InboundHandler = (session: SessionImpl, data: ArrayBuffer) => void;

/** Deepest JSON nesting accepted: deeper documents would only exercise recursion further on. */
const MAX_DEPTH = MAX_JSON_DEPTH;

/** Longest request id echoed back (snapshot detail ids travel in it too). */
const MAX_ID_LENGTH = 256;

function idOf(raw: Record<string, unknown>): string | undefined {
  const id = raw.id;
  return typeof id === 'string' ? id : typeof id === 'number' ? String(id) : undefined;
}

export function createInboundPipeline(deps: InboundDeps): InboundHandler {
  const { config, messages, hooks, logger, stats, clock, roots } = deps;
  const rl = config.rateLimit;
  const ratePerMs = rl.messagesPerSecond / 1000;

  const fail = (s: SessionImpl, err: ActorwireError, id?: string): void => {
    stats.error(err.code);
    s.sendError(err, id);
  };

  /** Token bucket; returns false when the frame must be refused. */
  const admit = (s: SessionImpl, now: number): boolean => {
    if (s.tokens < 0) {
      s.tokens = rl.burst;
      s.lastRefill = now;
    } else {
      s.tokens = Math.min(rl.burst, s.tokens + (now - s.lastRefill) * ratePerMs);
      s.lastRefill = now;
    }
    if (s.tokens >= 1) {
      s.tokens -= 1;
      s.violations = 0;
      return true;
    }
    s.violations++;
    const close = s.violations >= rl.maxViolations;
    fail(s, protocolError('RATE_LIMITED', undefined, close ? { closeCode: CloseCodes.RATE_LIMITED } : {}));
    return false;
  };

  /** Handling time, frame to handler done (handlers that fail are timed too: they were handled). */
  const timed = (compiled: CompiledMessage, t0: number): void => {
    if (stats.handlingOf === undefined) return;
    (compiled.handling ??= stats.handlingOf(compiled.type)).observe((performance.now() - t0) / 1000);
  };

  const run = (s: SessionImpl, compiled: CompiledMessage, message: InboundMessage, t0: number): void => {
    const id = message.id;
    const ctx: MessageContext = {
      session: s,
      message,
      logger,
      reply(frame: Frame) {
        if (id !== undefined && frame.id === undefined) frame.id = id;
        s.send(frame);
      },
    };
    if (roots === undefined || !roots.sample()) return runUntraced(s, compiled, ctx, id, t0);
    // Each message is its own trace (a session lives for hours), linked to its session's upgrade span.
    const span = roots.start(`ws.message ${compiled.type}`, {
      kind: SpanKind.SERVER,
      attributes: {
        'actorwire.message.type': compiled.type,
        'actorwire.session': s.id,
        ...(s.userId !== undefined ? { 'enduser.id': s.userId } : {}),
        ...(typeof message.room === 'string' ? { 'actorwire.room': message.room } : {}),
      },
      ...(s.traceLink !== undefined ? { links: [{ context: s.traceLink, attributes: { 'actorwire.link': 'session' } }] } : {}),
    });
    const onError = (err: unknown): void => {
      span.recordException(err as Error);
      if (isActorwireError(err)) {
        span.setAttribute('actorwire.error.code', err.code);
        return fail(s, err, id);
      }
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
      logger.error({ err, type: compiled.type, session: s.id }, 'message handler failed');
      fail(s, protocolError('INTERNAL_ERROR'), id);
    };
    try {
      // When tracing, the handler (and what it publishes) runs inside its span so the trace
      // context reaches transports; otherwise no context object is built per message.
      const out = otelContext.with(trace.setSpan(ROOT_CONTEXT, span), compiled.def.handle, compiled.def, ctx);
      if (out && typeof (out as Promise<void>).then === 'function') {
        (out as Promise<void>).then(() => { timed(compiled, t0); span.end(); }, (err) => { onError(err); timed(compiled, t0); span.end(); });
      } else {
        timed(compiled, t0);
        span.end();
      }
    } catch (err) {
      onError(err);
      timed(compiled, t0);
      span.end();
    }
  };

  /** `run` without a span: the handler, and its errors answered the same way. */
  const runUntraced = (s: SessionImpl, compiled: CompiledMessage, ctx: MessageContext, id: string | undefined, t0: number): void => {
    const onError = (err: unknown): void => {
      if (isActorwireError(err)) return fail(s, err, id);
      logger.error({ err, type: compiled.type, session: s.id }, 'message handler failed');
      fail(s, protocolError('INTERNAL_ERROR'), id);
    };
    try {
      const out = compiled.def.handle(ctx);
      if (out && typeof (out as Promise<void>).then === 'function') {
        (out as Promise<void>).then(() => timed(compiled, t0), (err) => { onError(err); timed(compiled, t0); });
        return;
      }
    } catch (err) {
      onError(err);
    }
    timed(compiled, t0);
  };

  return (s: SessionImpl, data: ArrayBuffer): void => {
    const t0 = performance.now();
    const now = clock.now();
    s.lastSeen = now;
    // Every frame costs a token, refused ones too: oversize floods are throttled like any other.
    if (ratePerMs > 0 && !admit(s, now)) return;
    if (data.byteLength > config.maxMessageSize) {
      const hard = data.byteLength > config.hardMaxMessageSize;
      return fail(s, protocolError('TOO_LARGE', undefined, hard ? { closeCode: CloseCodes.TOO_LARGE } : {}));
    }
    const bytes = Buffer.from(data); // a view, shared by the depth scan and the decoding
    // JSON nested deeper than MAX_DEPTH needs an opening and a closing byte per level: shorter frames skip the scan.
    if (data.byteLength > 2 * MAX_DEPTH && nestedDeeperThan(bytes, MAX_DEPTH)) {
      return fail(s, protocolError('INVALID_MESSAGE', `JSON nested deeper than ${MAX_DEPTH} levels`));
    }

    let raw: unknown;
    const text = bytes.toString('utf8');
    try {
      raw = JSON.parse(text);
    } catch {
      // A dialect may answer text itself (the envelope dialect echoes it, as its service did).
      try {
        if (s.answerText(text)) return;
      } catch (err) {
        logger.error({ err, client_id: s.id, route: s.route }, 'dialect text answer failed');
      }
      return fail(s, protocolError('INVALID_JSON'));
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      return fail(s, protocolError('INVALID_MESSAGE', 'message must be a JSON object'));
    }
    let obj: Record<string, unknown>;
    try {
      obj = s.decodeInbound(raw as Record<string, unknown>);
    } catch (err) {
      // A dialect's or route's decode is plugin code: its failure is this frame's, not the process's.
      logger.error({ err, client_id: s.id, route: s.route }, 'inbound decode failed');
      const rawId = idOf(raw as Record<string, unknown>);
      return fail(s, protocolError('INTERNAL_ERROR'), rawId !== undefined && rawId.length <= MAX_ID_LENGTH ? rawId : undefined);
    }
    const id = idOf(obj);
    // One rule for every message: the id is echoed, so only a string or number of bounded length.
    if (obj.id !== undefined && obj.id !== null && (id === undefined || id.length > MAX_ID_LENGTH)) {
      delete obj.id;
      return fail(s, protocolError('INVALID_MESSAGE', id === undefined ? 'id must be a string or a number' : `id must be at most ${MAX_ID_LENGTH} characters`));
    }
    if (id !== undefined) obj.id = id;
    if (typeof obj.type !== 'string') return fail(s, protocolError('INVALID_MESSAGE', 'type is required'), id);
    const resolved = messages.resolve(obj);
    if (!resolved || (resolved.compiled.routes && !resolved.compiled.routes.has(s.route))) {
      return fail(s, protocolError('UNKNOWN_TYPE'), id);
    }
    const { compiled, message } = resolved;
    if (compiled.validate && !compiled.validate(message)) {
      return fail(s, protocolError('INVALID_MESSAGE', describeErrors(compiled.validate.errors)), id);
    }
    if (s.phase !== 'ready' && !compiled.def.allowUnauthenticated) {
      return fail(s, protocolError('UNAUTHORIZED'), id);
    }
    stats.received(compiled.type);
    if (!(compiled.hooked ??= hooks.hasForMessage(compiled.type))) return run(s, compiled, message, t0);
    hooks.runVetoable('onMessage', s, message).then(
      (ok) => (ok ? run(s, compiled, message, t0) : fail(s, protocolError('FORBIDDEN', 'message refused'), id)),
      (err) => fail(s, isActorwireError(err) ? err : protocolError('INTERNAL_ERROR'), id),
    );
  };
}
