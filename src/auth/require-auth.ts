import type { NextFunction, Request, Response } from 'express';
import { UnauthenticatedError } from '../errors.js';
import { signInHref } from '../http/paths.js';

/**
 * Gate for pages: a visitor without a session is sent to sign-in and brought back to where they were.
 * Authenticated responses are never cached (the back button after sign-out shows nothing private).
 */
export function requirePageAuth(req: Request, res: Response, next: NextFunction): void {
  if (req.session?.user) {
    res.setHeader('Cache-Control', 'no-store');
    return next();
  }
  res.setHeader('Cache-Control', 'no-store');
  // The absolute timeout just ended a session: ask Entra silently (prompt=none) first. If Entra's own session
  // is alive the user is back without a click; if not, the callback falls back to an interactive sign-in.
  // Not after an idle timeout: the user was away, and a silent renewal would make the idle limit meaningless.
  const silent = res.locals['sessionExpired'] === 'absolute' && req.method === 'GET';
  res.redirect(302, signInHref({ returnTo: req.originalUrl, ...(silent ? { prompt: 'none' as const } : {}) }));
}

/** Gate for APIs: 401 JSON, never a redirect a script would follow into an HTML sign-in page. */
export function requireApiAuth(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  if (req.session?.user) return next();
  next(new UnauthenticatedError());
}
