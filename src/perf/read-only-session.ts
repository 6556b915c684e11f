import session, { type SessionData } from 'express-session';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config } from '../config.js';
import type { SessionBackend } from '../session/backend.js';
import { matchesPrefix } from './compose.js';
import type { SessionReader } from '../session/session-reader.js';
import { readCookie } from '../http/cookies.js';
import { PATHS } from '../http/paths.js';

/**
 * The session layer: express-session, with a read-only fast path for the gated paths.
 *
 * A signed-in request under /mha, /api, the gateway's prefixes or /auth/check only reads its session: it
 * never regenerates, saves or destroys it. For those, express-session's per-request machinery (a Session and
 * a Cookie object, res.end and writeHead wrapped, the whole session serialised and hashed twice to detect a
 * change that cannot happen) was most of what the gate cost (docs/performance.md "Benchmark"). This path does what that one
 * does for such a request and nothing else: the same cookie, unsigned with the same secrets, one read of the
 * same store, the same expiry rule; no write and no Set-Cookie.
 *
 * The login step (/auth/login) neither reads nor writes the session: from a browser that sends no session
 * cookie it gets no session at all (express-session would make an id and a Session only to drop them).
 *
 * Everything else goes to express-session unchanged: a request with no or a bad cookie, an expired session
 * (enforceSessionLifetime ends it and may renew it silently), one whose idle clock is due for its throttled
 * refresh (a write), and every other path (sign-in, sign-out, front-channel logout, ...). A store error is
 * passed on as express-session passes it: the error handler answers 503, never "signed out".
 */
// express-session's Session class; its type declares the constructor private, its code exports it to build one.
const SessionOf = session.Session as unknown as new (req: Request, data: SessionData) => Request['session'];

export function sessionLayer(config: Config, backend: SessionBackend, reader: SessionReader, fullSession: RequestHandler, clock: () => number): RequestHandler {
  const { touchIntervalMs, cookieName } = config.session;
  const readOnlyPaths = [PATHS.check, ...config.gatedPrefixes];

  return function sessionOrReadOnly(req: Request, res: Response, next: NextFunction): void {
    // The canonical path (src/http/request-target.ts): the one the gates after this judge.
    if (!matchesPrefix(req.canonicalPath, readOnlyPaths)) {
      if (req.canonicalPath === PATHS.login && readCookie(req.headers.cookie, cookieName) === undefined) {
        next();
        return;
      }
      fullSession(req, res, next);
      return;
    }
    reader.read(req.headers.cookie).then((found) => {
      if (found.state !== 'valid' || clock() - (found.data.lastSeen ?? 0) >= touchIntervalMs) {
        fullSession(req, res, next);
        return;
      }
      // A real express-session Session over the stored data, so req.session reads (and, should a handler
      // ever call destroy(), behaves) as after express-session, just without the hooks that write it back.
      // express-session gave this store its generate() when fullSession was built over it.
      req.sessionID = found.sessionId;
      req.sessionStore = backend.store as typeof req.sessionStore;
      req.session = new SessionOf(req, found.data);
      next();
    }, next);
  };
}
