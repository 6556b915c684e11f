import { storeCalls, type RedisConnection } from '../redis/connection.js';
import type { LoginTransaction, TransactionStore } from './login-transactions.js';

/**
 * Login transactions in Redis, so a sign-in started on one replica completes on another. `take` is one
 * GETDEL: of two callbacks carrying the same state, on any replicas, exactly one gets the transaction.
 * Redis expires a transaction after its TTL, so abandoned sign-ins leave nothing behind.
 */
export function createRedisTransactionStore(connection: RedisConnection, keyPrefix: string, onError: (operation: string) => void = () => {}): TransactionStore {
  const key = (state: string) => `${keyPrefix}tx:${state}`;
  const guard = storeCalls(connection, 'transaction', onError);
  return {
    put: (state, tx, ttlMs) =>
      guard('put', async () => {
        await connection.client.set(key(state), JSON.stringify(tx), { PX: ttlMs });
      }),
    take: (state) =>
      guard('take', async () => {
        const raw = await connection.client.getDel(key(state));
        return raw ? (JSON.parse(raw) as LoginTransaction) : undefined;
      }),
  };
}
