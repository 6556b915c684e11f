import type { Duplex } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import { CATALOGUES, LOCALES } from '../i18n/i18n.js';
import { AppError, ErrorCode } from '../errors.js';
import type { HttpLimits } from '../config.js';

/**
 * Bounds what a request may carry before any work is done on it. Node itself caps the header block
 * (`maxHeaderSize`, answered 431) and form bodies are capped where they are parsed; this caps the URL,
 * whose query would otherwise be parsed by Express on every request.
 */
export function boundRequestSize(limits: Pick<HttpLimits, 'maxUrlBytes'>) {
  return function requestSize(req: Request, _res: Response, next: NextFunction): void {
    if (Buffer.byteLength(req.originalUrl) > limits.maxUrlBytes) {
      next(new AppError(ErrorCode.uriTooLong, 414, 'This address is too long.'));
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

// What Node itself writes for the client errors it answers (lib/_http_server.js), kept for every error but one.
const NODE_CLIENT_ERROR_RESPONSES: Readonly<Record<string, string>> = {
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n\r\n',
  ERR_HTTP_REQUEST_TIMEOUT: 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n',
};
const NODE_BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n';

// The header block was never parsed, so neither Accept-Language nor Accept is known: plain text, every language.
const HEADERS_TOO_LARGE_TEXT = LOCALES.map((l) => `${CATALOGUES[l]['error.headers_too_large']}\n${CATALOGUES[l]['error.headers_too_large.advice']}\n`).join('\n');
const HEADERS_TOO_LARGE =
  'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n' +
  `Cache-Control: no-store\r\nContent-Length: ${Buffer.byteLength(HEADERS_TOO_LARGE_TEXT)}\r\n\r\n${HEADERS_TOO_LARGE_TEXT}`;

/**
 * The server's 'clientError' listener. Node answers an oversized header block (almost always a browser
 * carrying too many or too large cookies for this site) before Express sees the request, with an empty 431
 * that leaves the user with a blank browser error; this one says what happened and what to do. Every other
 * client error gets exactly Node's own answer (a listener replaces Node's default for all of them).
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  // Node's own condition: nothing of an in-flight response has reached this socket yet.
  const inFlight = (socket as Duplex & { _httpMessage?: { _headerSent?: boolean } | null })._httpMessage;
  if (socket.writable && !inFlight?._headerSent) {
    socket.write(err.code === 'HPE_HEADER_OVERFLOW' ? HEADERS_TOO_LARGE : (NODE_CLIENT_ERROR_RESPONSES[err.code ?? ''] ?? NODE_BAD_REQUEST));
  }
  socket.destroy(err);
}
