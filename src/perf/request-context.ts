import { randomUUID } from 'node:crypto';
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
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

// The access line and the metrics are written when Node reports the response finished on its diagnostics
// channel: one subscriber for the process instead of a 'finish' listener (and its closure) added and removed
// on every request. Each request carries its app's observer, so several apps in one process (the tests, the
// dev server's emulator) each see only their own requests.
const ON_FINISH = Symbol('request finished observer');
const STARTED = Symbol('request started at');
type Observed = IncomingMessage & { [ON_FINISH]?: (req: Request, res: Response, ms: number) => void; [STARTED]?: number };
let subscribed = false;
function observeFinishedResponses(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe('http.server.response.finish', (message) => {
    const { request, response } = message as { request: Observed; response: ServerResponse };
    const observer = request[ON_FINISH];
    if (observer) observer(request as Request, response as Response, performance.now() - request[STARTED]!);
  });
}

export function requestContext(logger: Logger, onFinish?: (req: Request, res: Response, seconds: number) => void) {
  // The access line is built only from values we produce (method, path, status, timing, the validated
  // id): no header, query or body can reach it, so none of the redaction paths can ever match it. It
  // skips pino's redaction, whose wildcard paths (`*.code`, ...) otherwise cost as much as the rest of
  // the line on every request (docs/performance.md "Benchmark"). Every other log call, req.log included, is still redacted.
  const accessLog = logger.child({}, { redact: [] });
  const finished = (req: Request, res: Response, ms: number): void => {
    accessLog.info({ reqId: req.id, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    onFinish?.(req, res, ms / 1000);
  };
  observeFinishedResponses();
  let loggerProto: object | undefined;
  return function requestContextMiddleware(req: Request, res: Response, next: NextFunction): void {
    (req as Observed)[STARTED] = performance.now();
    // Node joins a repeated X-Request-Id into one string; such a value fails the pattern and is replaced.
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    const proto = Object.getPrototypeOf(req) as object;
    if (proto !== loggerProto) {
      lazyRequestLog(proto);
      loggerProto = proto;
    }
    (req as WithLogger)[PARENT] = logger;
    res.setHeader('X-Request-Id', id);
    res.locals['requestId'] = id;
    (req as Observed)[ON_FINISH] = finished;
    next();
  };
}
