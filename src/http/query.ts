import type { Request } from 'express';

/** The query string as sent (after the first `?`), never Express's parsed `req.query` (which builds objects). */
export function rawQueryOf(req: Request): string {
  const i = req.originalUrl.indexOf('?');
  return i === -1 ? '' : req.originalUrl.slice(i + 1);
}

/** Every value of one query parameter, in order. */
export function queryValues(req: Request, name: string): string[] {
  return new URLSearchParams(rawQueryOf(req)).getAll(name);
}

/** One value or undefined: repeated parameters and bracket tricks (a[]=, a[__proto__]=) never count. */
export function singleQueryValue(req: Request, name: string): string | undefined {
  const values = queryValues(req, name);
  return values.length === 1 ? values[0] : undefined;
}
