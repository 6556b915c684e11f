import type { Response } from 'express';

/**
 * A redirect with an empty body. Express's res.redirect negotiates a body ("Found. Redirecting to ...") in
 * text or HTML for clients that do not follow Location; browsers and fetch always do, and on the two
 * redirects of every sign-in that negotiation was a measurable part of the step (docs/performance.md "Benchmark").
 * The Location is encoded as res.redirect encodes it.
 */
export function redirectTo(res: Response, status: 302 | 303, url: string): void {
  res.location(url);
  res.statusCode = status;
  res.setHeader('Content-Length', '0');
  res.end();
}
