import session from 'express-session';
import type { SessionData } from 'express-session';
import type { SessionBackend, SidIndex } from './backend.js';

type Callback<T = void> = (err?: unknown, value?: T) => void;

export interface MemoryBackendOptions {
  /** Used when a session carries no cookie expiry. */
  readonly defaultTtlMs: number;
  readonly pruneIntervalMs?: number;
  readonly now?: () => number;
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

  constructor(options: MemoryBackendOptions) {
    super();
    this.now = options.now ?? Date.now;
    this.defaultTtlMs = options.defaultTtlMs;
  }

  override get(sid: string, callback: Callback<SessionData | null>): void {
    const entry = this.sessions.get(sid);
    if (entry === undefined) return callback(null, null);
    const brace = entry.indexOf('{');
    if (Number(entry.slice(0, brace)) <= this.now()) {
      this.sessions.delete(sid);
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

  override destroy(sid: string, callback?: Callback): void {
    this.sessions.delete(sid);
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
    this.sessions.clear();
    callback?.();
  }

  get size(): number {
    return this.sessions.size;
  }

  prune(): void {
    const now = this.now();
    for (const [sid, entry] of this.sessions) if (Number(entry.slice(0, entry.indexOf('{'))) <= now) this.sessions.delete(sid);
  }

  // The lifetime is the cookie's max-age counted on this store's clock from the last save (as a TTL
  // would be in Redis), so a throttled idle-clock write extends it.
  private expiryOf(data: SessionData): number {
    const maxAge = data.cookie?.originalMaxAge;
    return this.now() + (typeof maxAge === 'number' && maxAge > 0 ? maxAge : this.defaultTtlMs);
  }
}

export function createMemorySidIndex(now: () => number = Date.now): SidIndex & { prune(): void; readonly size: number } {
  // sid -> "expiresAt:sessionId,expiresAt:sessionId". One flat string per Entra session rather than a Map
  // per sid: this index holds an entry for every signed-in session, and a Map each cost more heap than
  // the session itself (bench: heap per session). Session ids are base64url, never "," or ":".
  const index = new Map<string, string>();
  const entries = (value: string) =>
    value.split(',').map((entry) => {
      const colon = entry.indexOf(':');
      return { id: entry.slice(colon + 1), expiresAt: Number(entry.slice(0, colon)) };
    });
  const join = (list: ReadonlyArray<{ id: string; expiresAt: number }>) => list.map((e) => `${e.expiresAt}:${e.id}`).join(',');
  return {
    async add(sid, sessionId, ttlMs) {
      const previous = index.get(sid);
      const others = previous ? entries(previous).filter((e) => e.id !== sessionId) : [];
      index.set(sid, join([...others, { id: sessionId, expiresAt: now() + ttlMs }]));
    },
    async take(sid) {
      const value = index.get(sid);
      index.delete(sid);
      if (!value) return [];
      const t = now();
      return entries(value)
        .filter((e) => e.expiresAt > t)
        .map((e) => e.id);
    },
    prune() {
      const t = now();
      for (const [sid, value] of index) {
        const alive = entries(value).filter((e) => e.expiresAt > t);
        if (alive.length === 0) index.delete(sid);
        else if (alive.length !== value.split(',').length) index.set(sid, join(alive));
      }
    },
    get size() {
      return index.size;
    },
  };
}

export function createMemoryBackend(options: MemoryBackendOptions): SessionBackend & { readonly store: MemorySessionStore } {
  const store = new MemorySessionStore(options);
  const sidIndex = createMemorySidIndex(options.now);
  const timer = setInterval(() => {
    store.prune();
    sidIndex.prune();
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
