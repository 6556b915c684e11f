import type { RequestHandler, Request, Response } from 'express';
import type compressionFn from 'compression';

/**
 * gzip (or br/deflate as negotiated) for our own text answers, with the well-kept `compression` middleware.
 *
 * BREACH: a compressed response that holds a secret *and* text an attacker chose (here: the page's own URL,
 * echoed in the language links' returnTo) lets the attacker guess the secret by the response's length. So a
 * response is never compressed when its page carries a secret: every page of a signed-in user holds the
 * sign-out form's CSRF token (`res.locals.csrfToken`). Those pages are small; anonymous pages, error pages
 * without a session, JSON without secrets and the static files are compressed. Set-Cookie headers are not
 * part of the compressed body. The gateway's proxied answers are never touched (mounted after it).
 */
export function compressPages(compression: typeof compressionFn): RequestHandler {
  return compression({
    filter: (req: Request, res: Response) => !res.locals['csrfToken'] && compression.filter(req, res),
  });
}
