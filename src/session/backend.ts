import type { Store } from 'express-session';

/**
 * Maps an Entra session id (`sid` claim) to our session ids, so front-channel logout can end them
 * without the browser's cookie.
 */
export interface SidIndex {
  add(sid: string, sessionId: string, ttlMs: number): Promise<void>;
  /** Removes and returns every session id recorded for this sid. */
  take(sid: string): Promise<string[]>;
}

/**
 * The boundary between the app and where sessions live. The memory backend serves one process;
 * a shared backend (Redis) implements the same three parts for many replicas.
 */
export interface SessionBackend {
  readonly kind: string;
  readonly store: Store;
  readonly sidIndex: SidIndex;
  /** Throws when the backend cannot serve requests (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
