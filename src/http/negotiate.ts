import type { Request } from 'express';

/**
 * APIs (and clients asking for JSON) get JSON; browsers get a page. One answer for every layer that
 * chooses between the two (the sign-in gates, the gateway, the status page, the error handler).
 */
export function wantsJson(req: Request): boolean {
  if (req.path.startsWith('/api/')) return true;
  return req.accepts(['html', 'json']) === 'json';
}
