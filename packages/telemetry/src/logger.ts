import { pino, type Logger } from 'pino';

/** Structured JSON logs; tokens and secrets are never logged (redacted where they could appear). */
export function createLogger(level: string, instanceId: string): Logger {
  return pino({
    level,
    base: { service: 'actorwire', instance: instanceId },
    redact: { paths: ['token', '*.token', 'headers.authorization', 'req.headers.authorization', 'secret', '*.secret'], censor: '[redacted]' },
  });
}
