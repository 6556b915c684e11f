import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Why these exist: every `app.use` is a router layer, and Express 5 pays for each one on every request
 * (a path match, a try/catch, the bookkeeping of `next`). On the gated path that came to more than all the
 * product's own middleware together (docs/performance.md "Benchmark"). These keep each middleware its own module while the
 * router sees one layer.
 */

/** Runs the handlers in order as one middleware; a throw or an error passed to next ends the chain as in Express. */
export function compose(...handlers: readonly RequestHandler[]): RequestHandler {
  return function composed(req: Request, res: Response, next: NextFunction): void {
    let index = 0;
    const step = (err?: unknown): void => {
      if (err !== undefined && err !== null) {
        // Express's convention: next('route') / next('router') skip ahead; neither is used inside a composition.
        next(err);
        return;
      }
      const handler = handlers[index++];
      if (!handler) {
        next();
        return;
      }
      try {
        const result: unknown = handler(req, res, step);
        if (result instanceof Promise) result.catch(next);
      } catch (error) {
        next(error);
      }
    };
    step();
  };
}

/**
 * Whether a request path is one of the prefixes or below one, as Express matches paths: case-insensitive,
 * on segment boundaries (`/mha` covers `/mha` and `/mha/x`, not `/mhax`). Prefixes are lower case (the
 * configuration lowercases UPSTREAM_PATHS).
 */
export function matchesPrefix(pathname: string, prefixes: readonly string[]): boolean {
  const p = pathname.toLowerCase();
  for (const prefix of prefixes) {
    // A plain loop and a character test: this runs several times on every request.
    if (p.startsWith(prefix) && (p.length === prefix.length || p.charCodeAt(prefix.length) === SLASH)) return true;
  }
  return false;
}

const SLASH = 47;

/**
 * Enters `handler` (usually a Router of absolute paths) only for paths under one of the prefixes; every
 * other request passes by for the cost of a string comparison instead of a walk through the router's layers.
 * Matches the canonical path (src/http/request-target.ts), the one every gate judges.
 */
export function onlyUnder(prefixes: readonly string[], handler: RequestHandler): RequestHandler {
  return function underPrefix(req: Request, res: Response, next: NextFunction): void {
    if (matchesPrefix(req.canonicalPath, prefixes)) {
      handler(req, res, next);
      return;
    }
    next();
  };
}
