import { storeCalls, type RedisConnection } from '../redis/connection.js';
import { DEFAULT_PENDING_MAX, DEFAULT_PENDING_PER_CLIENT, type LoginTransaction, type PendingLimits, type TransactionStore } from './login-transactions.js';

export interface RedisTransactionStoreOptions extends PendingLimits {
  readonly onError?: (operation: string) => void;
  readonly now?: () => number;
}

/**
 * Login transactions in Redis, so a sign-in started on one replica completes on another. `take` is one
 * GETDEL: of two callbacks carrying the same state, on any replicas, exactly one gets the transaction.
 * Redis expires a transaction after its TTL, so abandoned sign-ins leave nothing behind.
 *
 * Pending sign-ins are capped per client and in total, as in memory: two sorted sets of states scored by
 * expiry, `<prefix>txc:<client>` and `<prefix>txall`. Past a cap the lowest scores (the oldest) are trimmed and
 * their transactions deleted, so a flood from one client only ever drops that client's own. Every command
 * names one key (no multi-key transaction or script), so the layout also works on a Redis Cluster.
 */
export function createRedisTransactionStore(connection: RedisConnection, keyPrefix: string, options: RedisTransactionStoreOptions = {}): TransactionStore {
  const key = (state: string) => `${keyPrefix}tx:${state}`;
  const clientSet = (client: string) => `${keyPrefix}txc:${client}`;
  const allSet = `${keyPrefix}txall`;
  const maxPerClient = options.maxPerClient ?? DEFAULT_PENDING_PER_CLIENT;
  const maxEntries = options.maxEntries ?? DEFAULT_PENDING_MAX;
  const now = options.now ?? Date.now;
  const guard = storeCalls(connection, 'transaction', options.onError);
  const c = () => connection.client;

  // Adds the state to one index set, drops what expired, and trims the set to its `max` newest, in one MULTI: the
  // states it trimmed are exactly those the same transaction read, so concurrent puts never drop more than the cap.
  // `gone` are states to take out of the set first (a client's own oldest, before the total is counted).
  const index = async (set: string, state: string, expiresAt: number, ttlMs: number, max: number, gone: readonly string[] = []): Promise<string[]> => {
    const multi = c().multi();
    if (gone.length > 0) multi.zRem(set, [...gone]);
    const replies = await multi
      .zRemRangeByScore(set, '-inf', now())
      .zAdd(set, { score: expiresAt, value: state })
      .pExpire(set, ttlMs)
      .zRange(set, 0, -(max + 1))
      .zRemRangeByRank(set, 0, -(max + 1))
      .exec();
    return (replies[replies.length - 2] as unknown as string[]).map(String);
  };
  const drop = (states: readonly string[]) => Promise.all(states.map((state) => c().del(key(state))));

  return {
    put: (state, tx, ttlMs) =>
      guard('put', async () => {
        const expiresAt = now() + ttlMs;
        const [, ownOldest] = await Promise.all([
          c().set(key(state), JSON.stringify(tx), { PX: ttlMs }),
          index(clientSet(tx.client), state, expiresAt, ttlMs, maxPerClient),
        ]);
        // The total is counted after this client's own oldest left it: a flood never pushes out anyone else's.
        const oldest = await index(allSet, state, expiresAt, ttlMs, maxEntries, ownOldest);
        await drop([...ownOldest, ...oldest]);
      }),
    take: (state) =>
      guard('take', async () => {
        const raw = await c().getDel(key(state));
        if (!raw) return undefined;
        const tx = JSON.parse(raw) as LoginTransaction;
        // Taken: no longer pending, so no longer counted (a stale member would only expire).
        await Promise.all([...(typeof tx.client === 'string' ? [c().zRem(clientSet(tx.client), state)] : []), c().zRem(allSet, state)]);
        return tx;
      }),
  };
}
