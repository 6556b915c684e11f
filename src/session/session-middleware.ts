import { randomBytes } from 'node:crypto';
import session from 'express-session';
import type { NextFunction, Request, Response } from 'express';
import type { Config } from '../config.js';
import type { SessionUser } from './user.js';
import type { SessionBackend } from './backend.js';
import { cookieOptions } from '../http/cookies.js';

declare module 'express-session' {
  interface SessionData {
    user: SessionUser;
    /** When the user signed in (absolute timeout). */
    authAt: number;
    /** Last activity, written back at most once per touch interval (idle timeout). */
    lastSeen: number;
    /** Synchronizer token for the sign-out form. */
    csrf: string;
  }
}

/**
 * express-session over the chosen backend. Anonymous visitors get no session (saveUninitialized: false),
 * so a cookie planted before sign-in is never promoted: sign-in always regenerates the id.
 */
export function sessionMiddleware(config: Config, backend: SessionBackend) {
  return session({
    name: config.session.cookieName,
    secret: [...config.session.secrets],
    store: backend.store,
    resave: false,
    saveUninitialized: false,
    // Not rolling on every response: the idle clock is refreshed by enforceSessionLifetime, throttled.
    rolling: false,
    // 'keep': we end sessions only by destroy(). With 'destroy', a session the store failed to load (Redis
    // hung) looks unset, and express-session sends a DEL for it that a resuming Redis would execute:
    // an outage would sign its users out (test/security/redis-availability.test.ts).
    unset: 'keep',
    cookie: cookieOptions(config.session.secure, config.session.idleTimeoutMs),
  });
}

/**
 * Enforces the idle and absolute timeouts server side (a cookie's expiry is only advice to the browser),
 * and refreshes the idle clock at most once per touch interval so an active user costs one store write
 * per interval, not one per request.
 */
export function enforceSessionLifetime(config: Config, clock: () => number = Date.now) {
  const { touchIntervalMs } = config.session;
  return function sessionLifetime(req: Request, res: Response, next: NextFunction): void {
    const s = req.session;
    if (!s?.user) return next();
    const now = clock();
    const reason = sessionExpiry(s, config.session, now);
    if (reason) {
      req.log.info({ event: 'session.expired', reason }, 'session expired');
      // The page gate reads this: an absolute expiry may be renewed silently while Entra's session lives.
      res.locals['sessionExpired'] = reason;
      s.destroy((err) => next(err));
      return;
    }
    if (now - (s.lastSeen ?? 0) >= touchIntervalMs) s.lastSeen = now;
    next();
  };
}

/**
 * Why a signed-in session is over ('absolute' or 'idle'), or undefined while it is valid. Shared with the
 * readers that bypass express-session (/auth/check, websocket upgrades) so every path applies one rule.
 */
export function sessionExpiry(
  data: { readonly authAt?: number; readonly lastSeen?: number },
  limits: { readonly idleTimeoutMs: number; readonly absoluteTimeoutMs: number },
  now: number,
): 'absolute' | 'idle' | undefined {
  if (now - (data.authAt ?? 0) >= limits.absoluteTimeoutMs) return 'absolute';
  if (now - (data.lastSeen ?? 0) >= limits.idleTimeoutMs) return 'idle';
  return undefined;
}

/** Starts a signed-in session on a fresh id (no fixation) and saves it before the caller redirects. */
export async function establishSession(req: Request, user: SessionUser, now: number): Promise<void> {
  await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
  req.session.user = user;
  req.session.authAt = now;
  req.session.lastSeen = now;
  req.session.csrf = randomBytes(24).toString('base64url');
  await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
}

export async function destroySession(req: Request): Promise<void> {
  if (!req.session) return;
  await new Promise<void>((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
}
