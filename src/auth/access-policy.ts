import type { NextFunction, Request, Response } from 'express';
import type { Config } from '../config.js';
import { matchesPrefix } from '../perf/compose.js';
import { ADMIN_PREFIXES } from '../http/paths.js';
import { requireRole, type Gate } from './authorize.js';
import type { SessionUser } from './session-user.js';

/**
 * Who may open what behind the session gate, written once: MHA_REQUIRED_ROLE everywhere behind the gate,
 * the admin role under /mha/admin, whoever serves the page (the built-in pages, the gateway's HTTP proxy, its
 * websocket upgrades, /auth/check). Always judged on the canonical path (src/http/canonical-path.ts), the one
 * the backend receives. Adding a gated area is a line in src/http/paths.ts and, for its role, one here.
 */
export interface AccessPolicy {
  /** The role gates a signed-in request for this canonical path passes, in order (required role, admin role). */
  gatesFor(path: string): readonly Gate[];
  /** The same rule as a verdict, where there is no Express request (websocket upgrades). */
  allows(user: SessionUser, path: string): boolean;
  /** The gates of `req.canonicalPath` as one Express middleware. */
  readonly gate: Gate;
}

export function createAccessPolicy(authorization: Config['authorization']): AccessPolicy {
  const { adminRole, requiredRole } = authorization;
  // Built once: the two gate lists a path can need. Per request, only the prefix test runs.
  const everywhere: readonly Gate[] = requiredRole ? [requireRole(requiredRole)] : [];
  const underAdmin: readonly Gate[] = [...everywhere, requireRole(adminRole)];
  const isAdminPath = (path: string) => matchesPrefix(path, ADMIN_PREFIXES);
  const gatesFor = (path: string) => (isAdminPath(path) ? underAdmin : everywhere);
  return {
    gatesFor,
    allows: (user, path) => (!requiredRole || user.roles.includes(requiredRole)) && (!isAdminPath(path) || user.roles.includes(adminRole)),
    gate: function accessPolicy(req, res, next) {
      runGates(gatesFor(req.canonicalPath), req, res, next, () => next());
    },
  };
}

/** Runs Express-style gates in order; `done` only when every one passed (each either calls next or answers). */
export function runGates(gates: readonly Gate[], req: Request, res: Response, next: NextFunction, done: () => void): void {
  const step =
    (i: number) =>
    (err?: unknown): void => {
      if (err) return next(err);
      const gate = gates[i];
      if (!gate) return done();
      gate(req, res, step(i + 1));
    };
  step(0)();
}
