import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors.js';
import type { HttpLimits } from '../config.js';

/**
 * Bounds what a request may carry before any work is done on it. Node itself caps the header block
 * (`maxHeaderSize`, answered 431) and form bodies are capped where they are parsed; this caps the URL,
 * whose query would otherwise be parsed by Express on every request.
 */
export function boundRequestSize(limits: Pick<HttpLimits, 'maxUrlBytes'>) {
  return function requestSize(req: Request, _res: Response, next: NextFunction): void {
    if (Buffer.byteLength(req.originalUrl) > limits.maxUrlBytes) {
      next(new AppError('uri_too_long', 414, 'This address is too long.'));
      return;
    }
    next();
  };
}

/** While draining, every response asks the client to reconnect (to a replica that is not stopping). */
export function closeConnectionsWhenShuttingDown(isShuttingDown: () => boolean) {
  return function connectionClose(_req: Request, res: Response, next: NextFunction): void {
    if (isShuttingDown()) res.setHeader('Connection', 'close');
    next();
  };
}
