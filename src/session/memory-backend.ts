import session from 'express-session';
import type { SessionData } from 'express-session';
import type { SessionBackend, SidIndex } from './backend.js';

type Callback<T = void> = (err?: unknown, value?: T) => void;

export interface MemoryBackendOptions {
  /** Used when a session carries no cookie expiry. */
  readonly defaultTtlMs: number;
  readonly pruneIntervalMs?: number;
  readonly now?: () => number;
  /** Default MAX_SESSIONS_PER_SID. */
  readonly maxSessionsPerSid?: number;
}

/**
 * An in-process session store that, unlike express-session's MemoryStore, prunes expired sessions on a
 * timer (no leak) and stores serialised JSON so a handler cannot mutate a stored session by reference.
 * One process only: replicas need the shared backend.
 */
export class MemorySessionStore extends session.Store {
  /**
   * sid -> `${expiresAt}${json}`: the expiry in milliseconds, then the session's JSON (which always
   * starts with "{"). One string per session rather than an object holding two fields: this map is
   * most of the heap a signed-in user costs (bench: heap per session).
   */
  private readonly sessions = new Map<string, string>();
  private readonly now: () => number;
  private readonly defaultTtlMs: number;
  /**
   * Told of every session that ends here (destroyed, regenerated away, expired, pruned) with the Entra sid it
   * carried: the sid index drops it at once instead of keeping dead ids for a day (issue 14 item 9).
   */
  onEnd: (sessionId: string, sid: string | undefined) => void = () => {};

  constructor(options: MemoryBackendOptions) {
    super();
    this.now = options.now ?? Date.now;
    this.defaultTtlMs = options.defaultTtlMs;
  }

  has(sid: string): boolean {
    return this.sessions.has(sid);
  }

  override get(sid: string, callback: Callback<SessionData | null>): void {
    const entry = this.sessions.get(sid);
    if (entry === undefined) return callback(null, null);
    const brace = entry.indexOf('{');
    if (Number(entry.slice(0, brace)) <= this.now()) {
      this.end(sid, entry);
      return callback(null, null);
    }
    callback(null, JSON.parse(entry.slice(brace)) as SessionData);
  }

  override set(sid: string, data: SessionData, callback?: Callback): void {
    const entry = `${this.expiryOf(data)}${JSON.stringify(data)}`;
    // V8 builds that string as a rope of pieces (JSON.stringify's own chunks, then the concatenation);
    // reading one character flattens it into a single tight string now, instead of keeping the rope
    // (about 190 bytes more per session) until something happens to read the session again.
    entry.charCodeAt(0);
    this.sessions.set(sid, entry);
    callback?.();
  }

  // express-session's regenerate() comes here too, with the id being replaced.
  override destroy(sid: string, callback?: Callback): void {
    const entry = this.sessions.get(sid);
    if (entry !== undefined) this.end(sid, entry);
    callback?.();
  }

  // Idle expiry is tracked inside the session (throttled writes), so touch has nothing to do here.
  override touch(_sid: string, _data: SessionData, callback?: Callback): void {
    callback?.();
  }

  override length(callback: Callback<number>): void {
    callback(null, this.sessions.size);
  }

  override clear(callback?: Callback): void {
    for (const [sid, entry] of this.sessions) this.end(sid, entry);
    callback?.();
  }

  get size(): number {
    return this.sessions.size;
  }

  prune(): void {
    const now = this.now();
    for (const [sid, entry] of this.sessions) if (Number(entry.slice(0, entry.indexOf('{'))) <= now) this.end(sid, entry);
  }

  private end(sessionId: string, entry: string): void {
    this.sessions.delete(sessionId);
    this.onEnd(sessionId, entraSidOf(entry));
  }

  // The lifetime is the cookie's max-age counted on this store's clock from the last save (as a TTL
  // would be in Redis), so a throttled idle-clock write extends it.
  private expiryOf(data: SessionData): number {
    const maxAge = data.cookie?.originalMaxAge;
    return this.now() + (typeof maxAge === 'number' && maxAge > 0 ? maxAge : this.defaultTtlMs);
  }
}

/** The Entra sid a stored session was signed in with (read only when a session ends, not per request). */
function entraSidOf(entry: string): string | undefined {
  try {
    const sid = (JSON.parse(entry.slice(entry.indexOf('{'))) as { user?: { sid?: unknown } }).user?.sid;
    return typeof sid === 'string' ? sid : undefined;
  } catch {
    return undefined;
  }
}

/** More sessions of one Entra session than this and the oldest is ended (see SidIndex). */
export const MAX_SESSIONS_PER_SID = 32;

export interface MemorySidIndexOptions {
  readonly maxPerSid?: number;
  /** Ends a session the index had to let go of (the backend destroys it). */
  readonly onEvict?: (sessionId: string) => void;
}

export interface MemorySidIndex extends SidIndex {
  /** A session ended: forget it. O(1). */
  remove(sid: string, sessionId: string): void;
  /** Drops ids whose session is gone (a safety net: the store reports every end through remove). */
  prune(isLive: (sessionId: string) => boolean): void;
  /** Entra sids with at least one session. */
  readonly size: number;
  /** Session ids recorded for one sid, oldest first (tests, the bench). */
  ids(sid: string): string[];
}

/**
 * sid -> our session ids, holding only live sessions: the store calls remove() when one ends. The usual sid
 * has one session, kept as a bare string (this index costs heap for every signed-in user: bench, heap per
 * session); a second session turns it into a Set, whose insertion order is the age order, so add, remove
 * and evicting the oldest are O(1) however often the account signs in.
 */
export function createMemorySidIndex(options: MemorySidIndexOptions = {}): MemorySidIndex {
  const maxPerSid = options.maxPerSid ?? MAX_SESSIONS_PER_SID;
  const onEvict = options.onEvict ?? (() => {});
  const index = new Map<string, string | Set<string>>();
  const remove = (sid: string, sessionId: string) => {
    const value = index.get(sid);
    if (value === undefined) return;
    if (typeof value === 'string') {
      if (value === sessionId) index.delete(sid);
      return;
    }
    value.delete(sessionId);
    if (value.size === 1) index.set(sid, value.values().next().value!);
    else if (value.size === 0) index.delete(sid);
  };
  return {
    // The TTL is not needed here: an id leaves when its session ends.
    async add(sid, sessionId) {
      const value = index.get(sid);
      if (value === undefined || value === sessionId) {
        index.set(sid, sessionId);
        return;
      }
      const set = typeof value === 'string' ? new Set([value]) : value;
      // Re-adding moves an id to the newest end.
      set.delete(sessionId);
      set.add(sessionId);
      if (set !== value) index.set(sid, set);
      const evicted: string[] = [];
      for (const id of set) {
        if (set.size - evicted.length <= maxPerSid) break;
        evicted.push(id);
      }
      for (const id of evicted) set.delete(id);
      for (const id of evicted) onEvict(id);
    },
    async take(sid) {
      const value = index.get(sid);
      index.delete(sid);
      if (value === undefined) return [];
      return typeof value === 'string' ? [value] : [...value];
    },
    remove,
    prune(isLive) {
      for (const [sid, value] of index) for (const id of typeof value === 'string' ? [value] : [...value]) if (!isLive(id)) remove(sid, id);
    },
    get size() {
      return index.size;
    },
    ids(sid) {
      const value = index.get(sid);
      return value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
    },
  };
}

export function createMemoryBackend(options: MemoryBackendOptions): SessionBackend & { readonly store: MemorySessionStore; readonly sidIndex: MemorySidIndex } {
  const store = new MemorySessionStore(options);
  // An evicted session is ended, not merely forgotten: front-channel logout must reach every session.
  const sidIndex = createMemorySidIndex({ ...(options.maxSessionsPerSid ? { maxPerSid: options.maxSessionsPerSid } : {}), onEvict: (id) => store.destroy(id) });
  store.onEnd = (id, sid) => {
    if (sid !== undefined) sidIndex.remove(sid, id);
  };
  const timer = setInterval(() => {
    store.prune();
    sidIndex.prune((id) => store.has(id));
  }, options.pruneIntervalMs ?? 60_000);
  timer.unref();
  return {
    kind: 'memory',
    store,
    sidIndex,
    async ping() {},
    async close() {
      clearInterval(timer);
    },
  };
}
