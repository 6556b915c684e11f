import { pino, type Logger, type DestinationStream } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/**
 * Paths that must never reach a log line, even when a whole object is logged by mistake:
 * cookies, bearer headers, authorization codes, tokens and secrets.
 */
export const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers.authorization',
  '*.code',
  '*.code_verifier',
  '*.client_secret',
  '*.clientSecret',
  '*.id_token',
  '*.access_token',
  '*.refresh_token',
  '*.secret',
  '*.secrets',
  '*.password',
];

/**
 * JSON lines to stdout. Asynchronous by default: a synchronous write is a system call per line, and the
 * access line makes that one per request (docs/performance.md "Benchmark"). Lines written while a write is in flight are
 * batched into the next one; pino flushes what is left synchronously when the process exits.
 */
export function createLogger(level: LogLevel, destination: DestinationStream = pino.destination({ dest: 1, sync: false })): Logger {
  return pino(
    {
      level,
      base: { service: 'ilogon-mha-signin' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: isoTimeOncePerMillisecond,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

// pino's isoTime formats a Date for every line; lines written within the same millisecond (most of them under
// load) share one string.
let lastMs = -1;
let lastTime = '';
function isoTimeOncePerMillisecond(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}
