import type { SessionData, Store } from 'express-session';
import { unsign } from 'cookie-signature';
import type { Config } from '../config.js';
import type { SessionUser } from './user.js';
import { readCookie } from '../http/cookies.js';
import { sessionExpiry } from './session-middleware.js';

export type SessionLookup =
  | { readonly state: 'none' }
  | { readonly state: 'expired'; readonly reason: 'absolute' | 'idle' }
  | { readonly state: 'valid'; readonly user: SessionUser; readonly sessionId: string; readonly data: SessionData };

/**
 * Reads the signed-in user straight from the session store, for the gated read-only paths (see
 * readOnlySession) and for websocket upgrades, which Node hands to the server's 'upgrade' event, outside
 * Express and so outside express-session. Read-only: it never writes the store and never sets a cookie.
 *
 * express-session's cookie is `s:<id>.<signature>` (URL-encoded), signed with the first session secret and
 * verified against every secret (rotation); we unsign it the same way with cookie-signature.
 */
/**
 * The browsers active right now, not every session: a fixed bound (about 200 KB at most), so the cache
 * never adds to what each stored session costs. A browser that fell out pays one HMAC and is back in.
 */
const VERIFIED_CACHE_SIZE = 1_000;

export function createSessionReader(config: Config, store: Store, clock: () => number) {
  const { cookieName, secrets } = config.session;

  // Cookie values whose signature has been checked, to their session id: an HMAC per request was a
  // measurable share of the gated path (README "Benchmark"), and a signed-in browser sends the same value on every
  // request. Only values that verified are kept, so an unknown or tampered value always gets the full
  // check. Bounded, oldest first out; a destroyed session's entry is harmless (the store read finds nothing).
  const verified = new Map<string, string>();

  function sessionIdFrom(cookieHeader: string | undefined): string | undefined {
    const raw = readCookie(cookieHeader, cookieName);
    if (!raw?.startsWith('s:')) return undefined;
    const known = verified.get(raw);
    if (known !== undefined) return known;
    for (const secret of secrets) {
      const id = unsign(raw.slice(2), secret);
      if (id === false) continue;
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
      verified.set(raw, id);
      return id;
    }
    return undefined;
  }

  return {
    sessionIdFrom,
    /** How many verified cookie values are remembered (bounded; for tests and the bench). */
    get verifiedCount() {
      return verified.size;
    },
    async read(cookieHeader: string | undefined): Promise<SessionLookup> {
      const id = sessionIdFrom(cookieHeader);
      if (id === undefined) return { state: 'none' };
      const data = await new Promise<SessionData | null | undefined>((resolve, reject) =>
        store.get(id, (err, value) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(value))),
      );
      if (!data?.user) return { state: 'none' };
      const reason = sessionExpiry(data, config.session, clock());
      if (reason) return { state: 'expired', reason };
      return { state: 'valid', user: data.user, sessionId: id, data };
    },
  };
}

export type SessionReader = ReturnType<typeof createSessionReader>;
