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
}

export interface TransactionStore {
  put(state: string, tx: LoginTransaction, ttlMs: number): Promise<void>;
  /** Read-and-delete in one step: of two concurrent callbacks with one state, exactly one gets it. */
  take(state: string): Promise<LoginTransaction | undefined>;
}

export interface MemoryTransactionStoreOptions {
  /** Bounds memory under a flood of /auth/login: the oldest pending logins are dropped first. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

export function createMemoryTransactionStore(options: MemoryTransactionStoreOptions = {}): TransactionStore {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order, so the first key is always the oldest.
  const entries = new Map<string, { tx: LoginTransaction; expiresAt: number }>();

  return {
    async put(state, tx, ttlMs) {
      entries.delete(state);
      entries.set(state, { tx, expiresAt: now() + ttlMs });
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        entries.delete(oldest);
      }
    },
    async take(state) {
      const entry = entries.get(state);
      if (!entry) return undefined;
      entries.delete(state);
      return entry.expiresAt > now() ? entry.tx : undefined;
    },
  };
}
