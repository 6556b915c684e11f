import type { NextFunction, Request, Response } from 'express';
import { TooManyRequestsError } from '../errors.js';
import { storeCalls, type RedisConnection } from '../redis/connection.js';
import { clientOf } from './client-address.js';

/** Counts hits per key in fixed windows. */
export interface RateCounter {
  /** Adds one hit; returns the hits in the current window and the ms until it resets. */
  hit(key: string, windowMs: number): Promise<{ count: number; resetMs: number }>;
}

export interface RateLimitOptions {
  readonly max: number;
  readonly windowMs: number;
  /** IPv6 clients are counted by this prefix (RATE_LIMIT_IPV6_PREFIX): one subscriber holds a whole /64. */
  readonly ipv6PrefixBits: number;
  readonly counter: RateCounter;
  /** Keys of different limits must not collide in a shared counter. */
  readonly name: string;
  readonly onLimited?: (name: string) => void;
}

/**
 * Per client: `req.ip`, which honours TRUST_PROXY's hop count (with 0, X-Forwarded-For is ignored and the
 * socket address counts), an IPv6 address cut to its prefix (src/http/client-address.ts). Over the limit:
 * 429 with Retry-After, page or JSON.
 */
export function rateLimit(options: RateLimitOptions) {
  const { max, windowMs, counter, name, ipv6PrefixBits } = options;
  return async function limitRate(req: Request, _res: Response, next: NextFunction): Promise<void> {
    if (max === 0) return next();
    const client = clientOf(req, ipv6PrefixBits);
    const { count, resetMs } = await counter.hit(`${name}:${client}`, windowMs);
    if (count > max) {
      options.onLimited?.(name);
      req.log.warn({ event: 'ratelimit.exceeded', limit: name, client, count }, 'rate limit exceeded');
      throw new TooManyRequestsError(Math.max(1, Math.ceil(resetMs / 1000)));
    }
    next();
  };
}

/** One process only; expired windows are dropped as they are met and on a timer (bounded memory). */
export function createMemoryRateCounter(now: () => number = Date.now): RateCounter & { close(): void } {
  const windows = new Map<string, { count: number; resetAt: number }>();
  const timer = setInterval(() => {
    const t = now();
    for (const [key, w] of windows) if (w.resetAt <= t) windows.delete(key);
  }, 60_000);
  timer.unref();
  return {
    async hit(key, windowMs) {
      const t = now();
      let w = windows.get(key);
      if (!w || w.resetAt <= t) {
        w = { count: 0, resetAt: t + windowMs };
        windows.set(key, w);
      }
      w.count += 1;
      return { count: w.count, resetMs: w.resetAt - t };
    },
    close() {
      clearInterval(timer);
    },
  };
}

/**
 * Shared by every replica: one MULTI per hit (create the window key with its expiry if absent, count,
 * read the remaining time), so the limit holds however requests are spread across replicas.
 */
export function createRedisRateCounter(connection: RedisConnection, keyPrefix: string, onError: (operation: string) => void = () => {}): RateCounter {
  const guard = storeCalls(connection, 'ratelimit', onError);
  return {
    hit: (key, windowMs) =>
      guard('hit', async () => {
        const k = `${keyPrefix}rl:${key}`;
        const [, count, pttl] = await connection.client.multi().set(k, '0', { PX: windowMs, NX: true }).incr(k).pTTL(k).exec();
        return { count: Number(count), resetMs: Number(pttl) > 0 ? Number(pttl) : windowMs };
      }),
  };
}
