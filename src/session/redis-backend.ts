import session from 'express-session';
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
  /** More sessions of one Entra session than this and the oldest is ended (default MAX_SESSIONS_PER_SID). */
  readonly maxSessionsPerSid?: number;
}

/** As the memory backend's: see SidIndex. */
export const MAX_SESSIONS_PER_SID = 32;

/**
 * Sessions in Redis, one key each (`<prefix>sess:<id>`, a JSON string with a TTL): every call names exactly
 * one key, so it works the same on one Redis, behind Sentinel and on a Cluster (where the keys spread over
 * the slots). Errors become StoreUnavailableError (503 "try again"), never a missing session. No touch:
 * express-session would EXPIRE the key on every request that did not change the session; the idle clock
 * is refreshed, throttled, by enforceSessionLifetime instead, so a signed-in request costs one GET. The
 * key's TTL follows the cookie's expiry (idle timeout from the last refresh), capped by the absolute timeout.
 */
export class SharedSessionStore extends session.Store {
  private readonly report: (operation: string) => void;
  private readonly now: () => number;
  private readonly key: (id: string) => string;

  constructor(
    private readonly connection: RedisConnection,
    private readonly options: RedisBackendOptions,
    /** Told of each signed-in session destroyed here, with its Entra sid (the sid index drops the id). */
    private readonly onEnd: (sessionId: string, sid: string) => Promise<void> = async () => {},
  ) {
    super();
    this.report = options.onError ?? (() => {});
    this.now = options.now ?? Date.now;
    const prefix = `${options.keyPrefix}sess:`;
    this.key = (id) => `${prefix}${id}`;
  }

  override get(id: string, cb: Callback<SessionData | null>): void {
    this.run('get', cb, async () => {
      const raw = await this.connection.bounded(this.connection.client.get(this.key(id)));
      return raw ? (JSON.parse(raw) as SessionData) : null;
    });
  }

  override set(id: string, sess: SessionData, cb?: Callback): void {
    this.run('set', cb, async () => {
      const ttl = ttlSeconds(sess, this.options.absoluteTimeoutMs, this.now());
      if (ttl <= 0) await this.end(id);
      else await this.connection.bounded(this.connection.client.set(this.key(id), JSON.stringify(sess), { EX: ttl }));
      return undefined;
    });
  }

  /**
   * GETDEL rather than DEL: the same one round trip, and it says which Entra sid the session belonged to, so
   * its id leaves the sid index now (sign-out, expiry, and regenerate() at every sign-in come here).
   */
  override destroy(id: string, cb?: Callback): void {
    this.run('destroy', cb, () => this.end(id));
  }

  // Idle expiry is tracked inside the session (throttled writes), so touch has nothing to do here.
  override touch(_id: string, _sess: SessionData, cb?: Callback): void {
    cb?.();
  }

  private async end(id: string): Promise<undefined> {
    const raw = await this.connection.bounded(this.connection.client.getDel(this.key(id)));
    const sid = raw ? entraSidOf(raw) : undefined;
    if (sid !== undefined) await this.onEnd(id, sid);
    return undefined;
  }

  private run<T>(operation: string, cb: Callback<T> | undefined, work: () => Promise<T>): void {
    work().then(
      (value) => cb?.(null, value),
      (err: unknown) => {
        this.report(`session.${operation}`);
        const wrapped = err instanceof StoreUnavailableError ? err : new StoreUnavailableError(`session.${operation}`, { cause: err });
        cb?.(wrapped);
      },
    );
  }
}

function entraSidOf(raw: string): string | undefined {
  try {
    const sid = (JSON.parse(raw) as { user?: { sid?: unknown } }).user?.sid;
    return typeof sid === 'string' ? sid : undefined;
  } catch {
    return undefined;
  }
}

/** Seconds until the earlier of the cookie's expiry and the absolute timeout; <= 0 deletes the key. */
export function ttlSeconds(sess: SessionData, absoluteTimeoutMs: number, now: number): number {
  const cookieExpiry = sess.cookie?.expires ? new Date(sess.cookie.expires).getTime() : now + absoluteTimeoutMs;
  const absoluteExpiry = typeof sess.authAt === 'number' ? sess.authAt + absoluteTimeoutMs : cookieExpiry;
  return Math.ceil((Math.min(cookieExpiry, absoluteExpiry) - now) / 1000);
}

/**
 * One round trip per sign-in, atomic, one key: drop ids past their expiry, add this one (score: its
 * expiry), keep the key alive as long as the newest, and pop the oldest beyond the cap. Each step is
 * O(log n) with n at most the cap. Returns the popped ids: their sessions are ended by the caller.
 */
const ADD_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[5])
local evicted = {}
if over > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[1], over)
  for i = 1, #popped, 2 do evicted[#evicted + 1] = popped[i] end
end
return evicted
`;

/**
 * `<prefix>sid:<Entra sid>` is a sorted set of our session ids scored by their expiry (issue 14 item 9:
 * bounded, not a list that grows with every sign-in). An id leaves it when its session is destroyed
 * (SharedSessionStore.destroy: ZREM), when it expires (dropped at the next add), or when the cap pushes it
 * out, and then its session is ended too, so front-channel logout still reaches every live session of the
 * sid. The key itself expires with its newest session. One key per call: Cluster-safe.
 */
export function createRedisSidIndex(
  connection: RedisConnection,
  options: RedisBackendOptions,
): SidIndex & { remove(sid: string, sessionId: string): Promise<void> } {
  const key = (sid: string) => `${options.keyPrefix}sid:${sid}`;
  const sessionKey = (id: string) => `${options.keyPrefix}sess:${id}`;
  const now = options.now ?? Date.now;
  const maxPerSid = options.maxSessionsPerSid ?? MAX_SESSIONS_PER_SID;
  const guard = storeCalls(connection, 'sid', options.onError);
  return {
    add: (sid, sessionId, ttlMs) =>
      guard('add', async () => {
        const t = now();
        const evicted = await connection.client.eval(ADD_SCRIPT, {
          keys: [key(sid)],
          arguments: [String(t), String(t + ttlMs), sessionId, String(ttlMs), String(maxPerSid)],
        });
        // One DEL per session: on a Cluster their keys live in different slots.
        if (Array.isArray(evicted)) await Promise.all(evicted.map((id) => connection.bounded(connection.client.del(sessionKey(String(id))))));
      }),
    // Read and delete in one transaction: two replicas handling the same logout cannot both miss ids.
    take: (sid) =>
      guard('take', async () => {
        const [members] = await connection.client.multi().zRangeByScore(key(sid), now(), '+inf').del(key(sid)).exec();
        return Array.isArray(members) ? members.map(String) : [];
      }),
    remove: (sid, sessionId) =>
      guard('remove', async () => {
        await connection.client.zRem(key(sid), sessionId);
      }),
  };
}

export function createRedisBackend(connection: RedisConnection, options: RedisBackendOptions): SessionBackend {
  const sidIndex = createRedisSidIndex(connection, options);
  return {
    kind: 'redis',
    store: new SharedSessionStore(connection, options, (id, sid) => sidIndex.remove(sid, id)),
    sidIndex,
    async ping() {
      if (!connection.ready) throw new Error('not connected');
      await connection.bounded(connection.client.ping());
    },
    // The connection is shared with the login transactions and the rate limiter: start.ts closes it.
    async close() {},
  };
}
