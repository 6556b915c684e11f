import type { Reader } from './reader.js';
import type { Config } from './types.js';

/** How much one client, and everyone together, may ask of the server; and how it stops. */
export const LIMITS_VARIABLES = [
  'RATE_LIMIT_AUTH_MAX',
  'RATE_LIMIT_WINDOW_SECONDS',
  'RATE_LIMIT_IPV6_PREFIX',
  'LOGIN_PENDING_PER_CLIENT',
  'LOGIN_PENDING_MAX',
  'SHUTDOWN_TIMEOUT_SECONDS',
  'SHUTDOWN_DELAY_SECONDS',
] as const;

export interface LimitsSection {
  readonly rateLimit: Config['rateLimit'];
  readonly pendingPerClient: number;
  readonly pendingMax: number;
  readonly shutdownTimeoutMs: number;
  readonly shutdownDelayMs: number;
}

export function readLimits(r: Reader): LimitsSection {
  const max = r.int('RATE_LIMIT_AUTH_MAX', 120, 0, 100_000);
  const windowSeconds = r.int('RATE_LIMIT_WINDOW_SECONDS', 60, 1, 3600);
  const ipv6PrefixBits = r.int('RATE_LIMIT_IPV6_PREFIX', 64, 32, 128);
  const pendingPerClient = r.int('LOGIN_PENDING_PER_CLIENT', 100, 1, 100_000);
  const pendingMax = r.int('LOGIN_PENDING_MAX', 10_000, 10, 1_000_000);
  if (pendingPerClient > pendingMax) {
    r.problem('LOGIN_PENDING_PER_CLIENT', `must not exceed LOGIN_PENDING_MAX (${pendingMax}); one client could then fill the whole store`);
  }
  return {
    rateLimit: { max, windowMs: windowSeconds * 1000, ipv6PrefixBits },
    pendingPerClient,
    pendingMax,
    shutdownTimeoutMs: r.int('SHUTDOWN_TIMEOUT_SECONDS', 10, 1, 600) * 1000,
    shutdownDelayMs: r.int('SHUTDOWN_DELAY_SECONDS', 0, 0, 120) * 1000,
  };
}
