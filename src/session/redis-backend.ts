import { RedisStore } from 'connect-redis';
import type { SessionData } from 'express-session';
import { StoreUnavailableError } from '../errors.js';
import { storeCalls, type RedisConnection } from '../redis/connection.js';
import type { SessionBackend, SidIndex } from './backend.js';

type Callback<T = unknown> = (err?: unknown, value?: T) => void;

export interface RedisBackendOptions {
  /** Every key this app writes starts with it (sessions `<prefix>sess:`, index `<prefix>sid:`). */
  readonly keyPrefix: string;
  /** A session key never outlives its absolute timeout, whatever its cookie says. */
  readonly absoluteTimeoutMs: number;
  /** Called for every failed store operation (metrics). */
  readonly onError?: (operation: string) => void;
  readonly now?: () => number;
}

/**
 * connect-redis with two changes. Errors become StoreUnavailableError (503 "try again"), never a missing
 * session. And no touch: express-session calls touch() (a Redis EXPIRE) on every request that did not
 * change the session; the idle clock is refreshed, throttled, by enforceSessionLifetime instead, so a
 * signed-in request costs one GET and nothing else. The key's TTL follows the cookie's expiry (idle
 * timeout from the last refresh), capped by the absolute timeout.
 */
export class SharedSessionStore extends RedisStore {
  private readonly report: (operation: string) => void;

  constructor(connection: RedisConnection, options: RedisBackendOptions) {
    const now = options.now ?? Date.now;
    super({
      client: connection.client,
      prefix: `${options.keyPrefix}sess:`,
      disableTouch: true,
      ttl: (sess: SessionData) => ttlSeconds(sess, options.absoluteTimeoutMs, now()),
    });
    this.report = options.onError ?? (() => {});
    // Each call connect-redis makes gets the command deadline (a hung Redis must not hang the gate).
    const raw = this.client;
    this.client = {
      ...raw,
      get: (key) => connection.bounded(raw.get(key)),
      set: (key, value, ttl) => connection.bounded(raw.set(key, value, ttl)),
      del: (key) => connection.bounded(raw.del(key)),
      expire: (key, ttl) => connection.bounded(raw.expire(key, ttl)),
      mget: (keys) => connection.bounded(raw.mget(keys)),
    };
  }

  override get(sid: string, cb: Callback<SessionData | null>) {
    return super.get(sid, this.translate('get', cb));
  }

  override set(sid: string, sess: SessionData, cb?: Callback) {
    return super.set(sid, sess, this.translate('set', cb));
  }

  override destroy(sid: string, cb?: Callback) {
    return super.destroy(sid, this.translate('destroy', cb));
  }

  private translate<T>(operation: string, cb: Callback<T> | undefined): Callback<T> {
    return (err, value) => {
      if (err) {
        this.report(`session.${operation}`);
        const wrapped = new StoreUnavailableError(`session.${operation}`, { cause: err });
        if (cb) return cb(wrapped);
        throw wrapped;
      }
      return cb?.(null, value);
    };
  }
}

/** Seconds until the earlier of the cookie's expiry and the absolute timeout; <= 0 deletes the key. */
export function ttlSeconds(sess: SessionData, absoluteTimeoutMs: number, now: number): number {
  const cookieExpiry = sess.cookie?.expires ? new Date(sess.cookie.expires).getTime() : now + absoluteTimeoutMs;
  const absoluteExpiry = typeof sess.authAt === 'number' ? sess.authAt + absoluteTimeoutMs : cookieExpiry;
  return Math.ceil((Math.min(cookieExpiry, absoluteExpiry) - now) / 1000);
}

/**
 * `<prefix>sid:<Entra sid>` is a Redis set of our session ids. Each add pushes the set's expiry to the
 * absolute timeout of the newest session, so the set dies no later than the last session it names:
 * nothing accumulates. Ids of sessions that ended earlier stay until then; destroying them is harmless.
 */
export function createRedisSidIndex(connection: RedisConnection, options: RedisBackendOptions): SidIndex {
  const key = (sid: string) => `${options.keyPrefix}sid:${sid}`;
  const guard = storeCalls(connection, 'sid', options.onError);
  return {
    add: (sid, sessionId, ttlMs) =>
      guard('add', async () => {
        await connection.client.multi().sAdd(key(sid), sessionId).pExpire(key(sid), ttlMs).exec();
      }),
    // Read and delete in one transaction: two replicas handling the same logout cannot both miss ids.
    take: (sid) =>
      guard('take', async () => {
        const [members] = await connection.client.multi().sMembers(key(sid)).del(key(sid)).exec();
        return Array.isArray(members) ? members.map(String) : [];
      }),
  };
}

export function createRedisBackend(connection: RedisConnection, options: RedisBackendOptions): SessionBackend {
  return {
    kind: 'redis',
    store: new SharedSessionStore(connection, options),
    sidIndex: createRedisSidIndex(connection, options),
    async ping() {
      if (!connection.ready) throw new Error('not connected');
      await connection.bounded(connection.client.ping());
    },
    // The connection is shared with the login transactions and the rate limiter: start.ts closes it.
    async close() {},
  };
}
