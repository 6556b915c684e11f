/**
 * What the login step must remember for the callback: PKCE verifier, nonce, where to go after, and a hash of
 * the browser-binding cookie. Kept server side, keyed by `state`, and taken exactly once.
 */
export interface LoginTransaction {
  readonly code_verifier: string;
  readonly nonce: string;
  readonly returnTo: string;
  /** sha256 of the binding cookie: a code+state replayed into another browser does not match. */
  readonly binding: string;
  readonly createdAt: number;
  /** Set for a silent attempt (prompt=none): its login_required answer falls back to interactive sign-in. */
  readonly prompt?: string;
  /**
   * Who started it: the rate limit's client key (src/http/client-address.ts). Each client's pending sign-ins
   * are capped on their own, so one client's flood only ever pushes out that client's oldest.
   */
  readonly client: string;
}

export interface TransactionStore {
  put(state: string, tx: LoginTransaction, ttlMs: number): Promise<void>;
  /** Read-and-delete in one step: of two concurrent callbacks with one state, exactly one gets it. */
  take(state: string): Promise<LoginTransaction | undefined>;
}

/** The two caps on pending sign-ins (LOGIN_PENDING_PER_CLIENT, LOGIN_PENDING_MAX). */
export interface PendingLimits {
  /** Per client: past it, that client's oldest pending sign-in is dropped. */
  readonly maxPerClient?: number;
  /** In total: past it, the oldest of all is dropped (bounds memory when many clients flood together). */
  readonly maxEntries?: number;
}

export const DEFAULT_PENDING_PER_CLIENT = 100;
export const DEFAULT_PENDING_MAX = 10_000;

export interface MemoryTransactionStoreOptions extends PendingLimits {
  readonly now?: () => number;
}

export function createMemoryTransactionStore(options: MemoryTransactionStoreOptions = {}): TransactionStore & { readonly size: number } {
  const maxEntries = options.maxEntries ?? DEFAULT_PENDING_MAX;
  const maxPerClient = options.maxPerClient ?? DEFAULT_PENDING_PER_CLIENT;
  const now = options.now ?? Date.now;
  // Maps and Sets iterate in insertion order, so the first key is always the oldest.
  const entries = new Map<string, { tx: LoginTransaction; expiresAt: number }>();
  const byClient = new Map<string, Set<string>>();

  const remove = (state: string) => {
    const entry = entries.get(state);
    if (!entry) return undefined;
    entries.delete(state);
    const states = byClient.get(entry.tx.client);
    states?.delete(state);
    if (states?.size === 0) byClient.delete(entry.tx.client);
    return entry;
  };

  return {
    get size() {
      return entries.size;
    },
    async put(state, tx, ttlMs) {
      const t = now();
      remove(state);
      // Abandoned sign-ins at the front have expired: they go before anything else is counted.
      for (const [oldest, entry] of entries) {
        if (entry.expiresAt > t) break;
        remove(oldest);
      }
      entries.set(state, { tx, expiresAt: t + ttlMs });
      let mine = byClient.get(tx.client);
      if (!mine) {
        mine = new Set();
        byClient.set(tx.client, mine);
      }
      mine.add(state);
      while (mine.size > maxPerClient) remove(mine.values().next().value!);
      while (entries.size > maxEntries) remove(entries.keys().next().value!);
    },
    async take(state) {
      const entry = remove(state);
      if (!entry) return undefined;
      return entry.expiresAt > now() ? entry.tx : undefined;
    },
  };
}
