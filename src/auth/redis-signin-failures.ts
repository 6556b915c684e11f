import type { RedisConnection } from '../redis/connection.js';
import { failureCode, sortCounts, type FailureCount, type SignInFailure, type SignInFailureLog } from './signin-failures.js';

export interface RedisFailureLogOptions {
  /** Entries kept (the newest); older ones are trimmed on every write. */
  readonly capacity?: number;
  /** The list expires this long after the last failure: a quiet week leaves nothing behind. */
  readonly ttlMs?: number;
  readonly onError?: (operation: string) => void;
}

const FIELDS = ['at', 'reason', 'status', 'aadsts', 'error', 'traceId', 'correlationId', 'requestId'] as const;

/**
 * Sign-in failures in Redis, so the admin status page of any replica shows those of all replicas: one
 * capped list (`<prefix>signin:failures`, LPUSH then LTRIM, with a TTL) of codes, times and ids only.
 * Recording is fire-and-forget: a failed sign-in's page never waits for, or fails because of, this list.
 */
export function createRedisSignInFailureLog(connection: RedisConnection, keyPrefix: string, options: RedisFailureLogOptions = {}): SignInFailureLog {
  const key = `${keyPrefix}signin:failures`;
  const capacity = options.capacity ?? 200;
  const ttlMs = options.ttlMs ?? 7 * 24 * 60 * 60_000;
  const onError = options.onError ?? (() => {});

  const read = async (limit: number): Promise<SignInFailure[]> => {
    try {
      const raw = await connection.client.lRange(key, 0, Math.min(limit, capacity) - 1);
      return raw.map(parse).filter((f): f is SignInFailure => f !== undefined);
    } catch {
      // The status page still renders (with no failures listed) while Redis is away.
      onError('signin_failures.read');
      return [];
    }
  };

  return {
    record(failure) {
      // Only the known fields, whatever the caller passed: the list must never hold anything else.
      const kept = Object.fromEntries(FIELDS.filter((f) => failure[f] !== undefined).map((f) => [f, failure[f]]));
      const failed = () => onError('signin_failures.record');
      try {
        connection.client.multi().lPush(key, JSON.stringify(kept)).lTrim(key, 0, capacity - 1).pExpire(key, ttlMs).exec().catch(failed);
      } catch {
        failed();
      }
    },
    recent: (limit = capacity) => read(limit),
    async byCode(): Promise<readonly FailureCount[]> {
      const counts = new Map<string, { count: number; last: SignInFailure }>();
      // Newest first: the first entry seen for a code is its last occurrence.
      for (const failure of await read(capacity)) {
        const code = failureCode(failure);
        const entry = counts.get(code);
        counts.set(code, { count: (entry?.count ?? 0) + 1, last: entry?.last ?? failure });
      }
      return sortCounts(counts);
    },
  };
}

function parse(raw: string): SignInFailure | undefined {
  try {
    const value = JSON.parse(raw) as Partial<SignInFailure>;
    if (typeof value.at !== 'string' || typeof value.reason !== 'string' || typeof value.status !== 'number' || typeof value.requestId !== 'string') return undefined;
    return value as SignInFailure;
  } catch {
    return undefined;
  }
}
