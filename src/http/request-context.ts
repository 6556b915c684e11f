import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';

export const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: Logger;
  }
}

/**
 * Gives each request an id (a well-formed incoming X-Request-Id is kept, so a proxy's id follows the
 * request) and a child logger, and writes one access line when the response is done. Only the path is
 * logged: query strings carry authorization codes.
 */
// req.log is built on first use: most requests log nothing but the access line, and a child logger per
// request is measurable on the gated path. The getter is defined once, on the prototype Express gives every
// request, not per request (a getter defined on each request is slower than the child logger it saves).
const PARENT = Symbol('request logger parent');
const CHILD = Symbol('request logger');
type WithLogger = Request & { [PARENT]?: Logger; [CHILD]?: Logger };
function lazyRequestLog(proto: object): void {
  if (Object.hasOwn(proto, 'log')) return;
  Object.defineProperty(proto, 'log', {
    configurable: true,
    get(this: WithLogger): Logger | undefined {
      const parent = this[PARENT];
      return parent ? (this[CHILD] ??= parent.child({ reqId: this.id })) : undefined;
    },
  });
}

export function requestContext(logger: Logger, onFinish?: (req: Request, res: Response, seconds: number) => void) {
  // The access line is built only from values we produce (method, path, status, timing, the validated
  // id): no header, query or body can reach it, so none of the redaction paths can ever match it. It
  // skips pino's redaction, whose wildcard paths (`*.code`, ...) otherwise cost as much as the rest of
  // the line on every request (bench/README). Every other log call, req.log included, is still redacted.
  const accessLog = logger.child({}, { redact: [] });
  return function requestContextMiddleware(req: Request, res: Response, next: NextFunction): void {
    const incoming = req.get('x-request-id');
    const id = incoming && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    lazyRequestLog(Object.getPrototypeOf(req) as object);
    (req as WithLogger)[PARENT] = logger;
    res.setHeader('X-Request-Id', id);
    res.locals['requestId'] = id;
    const started = process.hrtime.bigint();
    // One listener for the access line and the caller's observer (metrics): one timing, one closure.
    res.once('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      accessLog.info({ reqId: id, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
      onFinish?.(req, res, ms / 1000);
    });
    next();
  };
}
