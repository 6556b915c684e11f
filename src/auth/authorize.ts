import type { NextFunction, Request, Response } from 'express';
import { AccessDeniedError, ErrorCode, UnauthenticatedError } from '../errors.js';
import { wantsJson } from '../http/negotiate.js';
import { signInHref } from '../http/paths.js';
import type { SessionUser } from './session-user.js';

/**
 * Authorization gates. They run after the session gate (requirePageAuth / requireApiAuth); a visitor
 * without a session is still handled here (page: sign-in with returnTo, API: 401) so a gate mounted on its
 * own cannot let anyone through. A signed-in user who lacks the role or group gets a 403, never a redirect
 * to sign-in: the same account would come straight back without it and the browser would loop.
 */
export type Gate = (req: Request, res: Response, next: NextFunction) => void;

/** Passes when the user holds at least one of `roles` (app role values from the id_token's `roles`). */
export function requireRole(...roles: string[]): Gate {
  const wanted = checkList('requireRole', roles);
  return function roleGate(req, res, next) {
    const user = signedIn(req, res, next);
    if (!user) return;
    if (user.roles.some((r) => wanted.includes(r))) return next();
    const named = wanted.map((r) => `"${r}"`).join(' or ');
    next(new AccessDeniedError(ErrorCode.missingRole, wanted, `You need the app role ${named} to open this page.`));
  };
}

/**
 * Passes when the user is in at least one of the groups (object ids). Group ids come from the id_token,
 * or from Microsoft Graph when the token carried the groups overage (then `groupsSource` is 'graph').
 */
export function requireGroup(...groupIds: string[]): Gate {
  const wanted = checkList('requireGroup', groupIds).map((g) => g.toLowerCase());
  return function groupGate(req, res, next) {
    const user = signedIn(req, res, next);
    if (!user) return;
    if (user.groups.some((g) => wanted.includes(g.toLowerCase()))) return next();
    next(new AccessDeniedError(ErrorCode.missingGroup, wanted, 'You need to be a member of a group that has access to this page.'));
  };
}

function signedIn(req: Request, res: Response, next: NextFunction): SessionUser | undefined {
  res.setHeader('Cache-Control', 'no-store');
  const user = req.session?.user;
  if (user) return user;
  if (wantsJson(req)) next(new UnauthenticatedError());
  else res.redirect(302, signInHref({ returnTo: req.originalUrl }));
  return undefined;
}

// Checked once when the gate is built: a gate with nothing to require would silently let everyone in.
function checkList(name: string, values: string[]): string[] {
  const cleaned = values.map((v) => v.trim()).filter((v) => v.length > 0);
  if (cleaned.length === 0) throw new TypeError(`${name}() needs at least one non-empty value`);
  return cleaned;
}
