import type { IncomingMessage } from 'node:http';
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
    const target = canonicalTarget(unroutable.get(req) ?? req.url);
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

/** Targets swapped for `/` by keepRoutable, by request: what the client really sent, for the refusal. */
const unroutable = new WeakMap<IncomingMessage, string>();

/**
 * Call before Express sees a request (the app server does). Express routes by parseurl's pathname, which is
 * null for some targets that start with `//` (`//#@?` parses as an authority with no path): its router then
 * skips every middleware, canonicalRequestTarget included, and Express's bare "Cannot GET null" 404 answers
 * instead of our 400. Every target starting with `//` is refused anyway (an empty segment), so such a target is
 * swapped for `/` here and refused by canonicalRequestTarget as what the client sent. Two character reads per
 * request: this runs on the gated path.
 */
export function keepRoutable(req: IncomingMessage): void {
  const url = req.url;
  if (url !== undefined && url.charCodeAt(0) === SLASH && url.charCodeAt(1) === SLASH) {
    unroutable.set(req, url);
    req.url = '/';
  }
}

const SLASH = 47;
