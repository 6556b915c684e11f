import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import signature from 'cookie-signature';
import type { Config } from '../config.js';
import { AppError, ErrorCode, SignInError } from '../errors.js';
import { cookieNames, cookieOptions, readCookie } from '../http/cookies.js';
import { redirectTo } from '../http/redirect.js';
import { PATHS } from '../http/paths.js';

/**
 * A failed sign-in's page must survive a reload and a language switch. Rendered at /auth/callback it
 * cannot: the state is spent, so a reload said "this sign-in attempt has expired", and Entra's
 * error_description (with the user's UPN) stayed in the address bar. So the failure is kept for a few
 * minutes in a signed, HttpOnly cookie and the browser is sent (303) to `/auth/error?ref=<random>`, a URL
 * that carries nothing but a random reference; that page renders the kept error as often as it is loaded.
 *
 * Safe by construction: the cookie holds only the facts the page shows anyway (codes, ids, Entra's
 * description for the admin-only part), in the user's own browser; it is signed with the session secret (no
 * one can make the page claim an error that did not happen), scoped to /auth/error, and expires. Nothing
 * is recorded or logged again when the page is reloaded: the callback already did that once.
 */
export const ERROR_PAGE_PATH = PATHS.signInError;
const KEEP_MS = 10 * 60 * 1000;
const REF = /^[A-Za-z0-9_-]{16}$/;
// Only these details travel: what the page shows, each bounded (a cookie is at most ~4 KB).
const KEPT_DETAILS = ['aadsts', 'error', 'traceId', 'correlationId', 'timestamp', 'description', 'tenant'] as const;

interface KeptError {
  readonly ref: string;
  readonly reason: string;
  readonly status: number;
  readonly message: string;
  readonly requestId: string;
  readonly details: Record<string, string>;
}

/** A sign-in failure brought back from its cookie: the error handler shows it, never records it again. */
export class RecalledSignInError extends SignInError {
  readonly requestId: string;
  constructor(kept: KeptError) {
    super(kept.reason, kept.status, kept.message, { details: kept.details });
    this.requestId = kept.requestId;
  }
}

/** The kept error is gone (expired, another browser): say so, keep the reference to quote. */
export class ErrorReferenceExpiredError extends AppError {
  constructor(ref: string | undefined) {
    super(ErrorCode.errorReferenceExpired, 410, 'The details of this sign-in error are no longer available.', { details: ref ? { ref } : {} });
  }
}

export function errorCookieName(config: Config): string {
  return cookieNames(config.session.secure).signInError;
}

/**
 * True when this failure should move to the error page URL: a sign-in failure met by a browser's top-level
 * navigation to the callback (`Sec-Fetch-Dest: document`, sent by every current browser): only that has an
 * address bar and a reload button. Scripts, API clients and older browsers get the page where they are.
 */
export function shouldMoveToErrorPage(err: AppError, req: Request): boolean {
  return (
    err instanceof SignInError &&
    !(err instanceof RecalledSignInError) &&
    req.method === 'GET' &&
    req.path === PATHS.callback &&
    req.get('sec-fetch-dest') === 'document'
  );
}

/** Keeps the failure in its cookie and sends the browser to the page that shows it. */
export function moveToErrorPage(err: SignInError, req: Request, res: Response, config: Config): void {
  const ref = randomBytes(12).toString('base64url');
  const details: Record<string, string> = {};
  for (const key of KEPT_DETAILS) {
    const value = err.details[key];
    if (typeof value === 'string' && value.length > 0) details[key] = value.slice(0, key === 'description' ? 1200 : 200);
  }
  const kept: KeptError = { ref, reason: err.reason, status: err.status, message: err.message.slice(0, 300), requestId: String(req.id ?? ''), details };
  const value = signature.sign(Buffer.from(JSON.stringify(kept)).toString('base64url'), config.session.secrets[0]!);
  // Path "/": a __Host- cookie must have it; the value is only ever read by the error page.
  res.cookie(errorCookieName(config), value, { ...cookieOptions(config.session.secure, KEEP_MS), encode: String });
  res.setHeader('Cache-Control', 'no-store');
  redirectTo(res, 303, `${ERROR_PAGE_PATH}?ref=${ref}`);
}

/** `GET /auth/error?ref=...`: the kept failure, shown again (and again), in the current language. */
export function createErrorPageRouter(config: Config): Router {
  const router = Router();
  router.get(ERROR_PAGE_PATH, (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const refs = new URLSearchParams(req.originalUrl.split('?')[1] ?? '').getAll('ref');
    const ref = refs.length === 1 && REF.test(refs[0]!) ? refs[0]! : undefined;
    const kept = ref ? readKept(readCookie(req.headers.cookie, errorCookieName(config)), config.session.secrets) : undefined;
    if (!ref || !kept || kept.ref !== ref) throw new ErrorReferenceExpiredError(ref);
    throw new RecalledSignInError(kept);
  });
  return router;
}

function readKept(raw: string | undefined, secrets: readonly string[]): KeptError | undefined {
  if (!raw || raw.length > 4096) return undefined;
  for (const secret of secrets) {
    const payload = signature.unsign(raw, secret);
    if (payload === false) continue;
    try {
      const v = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<KeptError>;
      if (typeof v.ref !== 'string' || typeof v.reason !== 'string' || !/^[a-z_]{1,40}$/.test(v.reason)) return undefined;
      if (typeof v.status !== 'number' || v.status < 400 || v.status > 599 || typeof v.message !== 'string') return undefined;
      const details: Record<string, string> = {};
      for (const key of KEPT_DETAILS) {
        const d = (v.details as Record<string, unknown> | undefined)?.[key];
        if (typeof d === 'string') details[key] = d;
      }
      return { ref: v.ref, reason: v.reason, status: v.status, message: v.message, requestId: typeof v.requestId === 'string' ? v.requestId : '', details };
    } catch {
      return undefined;
    }
  }
  return undefined;
}
