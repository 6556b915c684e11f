import type { NextFunction, Request, Response } from 'express';
import { UnjudgeableRequestError } from '../errors.js';
import { canonicalTarget } from './canonical-path.js';

declare module 'express-serve-static-core' {
  interface Request {
    /**
     * The canonical path (src/http/canonical-path.ts) that every gate judges: the session layer's prefix match,
     * the route prefixes, the role gates and the gateway, which forwards exactly this path. Set by
     * canonicalRequestTarget, the app's first middleware after the request context.
     */
    canonicalPath: string;
  }
}

/**
 * Canonicalises the request target once per request, before anything routes or gates on it. A target that
 * backends could read in more than one way is answered 400 (the error handler's friendly page or JSON); any
 * other is rewritten in place (req.url and req.originalUrl), so Express's routing, req.path, the gates and the
 * proxy all see the one path that was judged.
 */
export function canonicalRequestTarget() {
  return function requestTarget(req: Request, _res: Response, next: NextFunction): void {
    const target = canonicalTarget(req.url);
    if (!target.ok) {
      next(new UnjudgeableRequestError('ambiguous_path', { details: { reason: target.reason } }));
      return;
    }
    req.canonicalPath = target.path;
    if (target.rewritten) {
      req.url = `${target.path}${target.search}`;
      req.originalUrl = req.url;
    }
    next();
  };
}
