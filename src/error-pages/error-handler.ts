import type { NextFunction, Request, Response } from 'express';
import { AccessDeniedError, AppError, describeCause, ErrorCode, NotFoundError, SignInError, TooManyRequestsError } from '../errors.js';
import { entraHelpLink } from '../auth/entra-errors.js';
import { sanitizeReturnTo } from '../http/return-to.js';
import { createTranslator, negotiateLocale } from '../i18n/i18n.js';
import { technicalDetails, type ErrorPageOptions } from './error-page.js';
import { describeError } from './error-text.js';
import { errorActions } from './error-actions.js';
import { formatTime } from '../http/format-time.js';
import { RecalledSignInError } from './error-reference.js';
import { signInHref } from '../http/paths.js';
import type { Views } from '../http/views.js';
import { wantsJson } from '../http/negotiate.js';

export function notFound(_req: Request, _res: Response, next: NextFunction): void {
  next(new NotFoundError());
}

/**
 * The one place errors become responses. Clients see a message only for 4xx and our own 5xx
 * (AppError); anything unexpected is logged with its stack and answered with a generic 500.
 */
export function errorHandler(views: Views, options: ErrorPageOptions = {}) {
  // Express recognises error middleware by its four parameters. It never throws and never calls next: Express's
  // own final handler would answer instead, with the stack and file paths on the page outside production.
  return function handleError(err: unknown, req: Request, res: Response, _next: NextFunction): void {
    try {
      respond(err, req, res);
    } catch (failure) {
      lastResort(err, failure, req, res);
    }
  };

  function respond(err: unknown, req: Request, res: Response): void {
    const appError = toAppError(err);
    const log = req.log ?? undefined;
    if (appError instanceof SignInError) {
      // Logged, counted and recorded once, where it happened: the auth router reports every sign-in's outcome
      // (onSignIn: src/auth/signin-failures.ts, src/observability/metrics.ts). A recalled one was reported at its callback.
    } else if (appError.status >= 500) {
      log?.error({ err }, 'request failed');
    } else if (appError.status !== 404) {
      log?.info({ code: appError.code, status: appError.status, cause: describeCause(err) }, 'request refused');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A browser's failed callback moves to a reloadable error page URL (src/error-pages/error-reference.ts).
    if (options.moveToErrorPage?.(appError, req, res) === true) return;
    res.status(appError.status);
    res.setHeader('Cache-Control', 'no-store');
    if (appError.status === 503) res.setHeader('Retry-After', '5');
    // Entra's description and the admin steps: only for admins, or everyone with SHOW_ERROR_DETAILS=true.
    const technical = options.showDetails?.(req) === true ? technicalDetails(appError, options.stepValues ?? {}) : undefined;
    if (appError instanceof TooManyRequestsError) res.setHeader('Retry-After', String(appError.retryAfterSeconds));
    if (wantsJson(req)) {
      // The codes to quote are for everyone; the technical part follows the same rule as the page.
      const { aadsts, traceId, correlationId } = appError.details;
      res.json({
        error: appError.code,
        message: appError.message,
        ...(aadsts ? { aadsts } : {}),
        ...(traceId ? { traceId } : {}),
        ...(correlationId ? { correlationId } : {}),
        ...(appError instanceof AccessDeniedError ? { [appError.required.kind === 'role' ? 'requiredRoles' : 'requiredGroups']: appError.required.values } : {}),
        requestId: req.id,
        ...(technical ? { technical } : {}),
      });
      return;
    }
    // Errors raised before the language was negotiated still get a page in the reader's language.
    if (typeof res.locals.t !== 'function') {
      const tr = createTranslator(negotiateLocale({ acceptLanguage: req.get('accept-language') }));
      Object.assign(res.locals, { locale: tr.locale, t: tr.t, lookup: tr.lookup, languages: [] });
    }
    const text = describeError(appError, { locale: res.locals.locale, lookup: res.locals.lookup });
    if (appError instanceof AccessDeniedError) {
      res.type('html').send(views.render('forbidden', { ...res.locals, title: text.heading, heading: text.heading, advice: text.advice, ...forbiddenPage(appError, req) }));
      return;
    }
    const aadsts = appError.details['aadsts'];
    const canRetry = req.method === 'GET' && !(appError instanceof SignInError);
    // Set by /auth/check: the way back to the page the proxy asked about.
    const backToSignIn = typeof res.locals['signInHref'] === 'string' ? res.locals['signInHref'] : undefined;
    const actions = backToSignIn ? { primary: 'sign-in' as const, secondary: [] } : errorActions(appError, { canRetry });
    // Entra's own timestamp when it sent one: that is what its sign-in logs are searched by.
    const at = appError.details['timestamp'] ?? new Date().toISOString();
    // A refused sign-in is about the account that just tried: the header must not name the session's
    // account above "your account has no access"; the page says who is still signed in.
    const signInFailure = appError instanceof SignInError;
    res.type('html').send(
      views.render('error', {
        ...res.locals,
        ...(signInFailure ? { user: undefined, stillSignedInAs: res.locals['user'] } : {}),
        title: text.heading,
        heading: text.heading,
        advice: text.advice,
        status: appError.status,
        code: appError.code,
        details: appError.details,
        requestId: appError instanceof RecalledSignInError && appError.requestId ? appError.requestId : req.id,
        now: at,
        nowText: formatTime(at, res.locals.locale),
        technical: technical && technicalDetails(appError, options.stepValues ?? {}, res.locals.locale),
        helpUrl: aadsts && /^\d+$/.test(aadsts) ? entraHelpLink(aadsts) : undefined,
        actions,
        hrefs: {
          'sign-in': backToSignIn ?? signInHref(),
          'sign-in-again': signInHref(),
          'different-account': signInHref({ prompt: 'select_account' }),
          'tell-admin': '#error-codes-title',
          home: '/',
          // "Try again" repeats the same GET (e.g. /auth/login while discovery is still loading, or a page the
          // gateway backend did not answer).
          retry: sanitizeReturnTo(req.originalUrl),
        },
      }),
    );
  }
}

// Fixed text, nothing from the request or the error in it: it must render whatever went wrong.
const FALLBACK_PAGE =
  '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>iLOGON_MHA</title></head><body><main>' +
  '<h1>This page could not be shown.</h1><p>Please go back and try again, or start from the <a href="/">home page</a>.</p>' +
  '<p lang="ja">このページを表示できませんでした。戻ってもう一度お試しください。</p></main></body></html>';

/**
 * The error page itself failed (a view that throws, a bug in a lookup): a fixed page with the error's own status
 * (a client's bad input stays a 4xx), the failure logged with its stack. Nothing here can throw.
 */
function lastResort(err: unknown, failure: unknown, req: Request, res: Response): void {
  let status = 500;
  try {
    status = toAppError(err).status;
    req.log?.error({ err: failure, code: err instanceof AppError ? err.code : undefined }, 'error page failed; answered with the fallback page');
  } catch {
    // Logging is best effort here; the answer below is not.
  }
  try {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.statusCode = status;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.end(FALLBACK_PAGE);
  } catch {
    res.destroy();
  }
}

/**
 * What the 403 page needs: the missing role or group, and a way out that is not a redirect loop. Another
 * account goes through Entra's account picker (prompt=select_account) and comes back to this page.
 */
function forbiddenPage(err: AccessDeniedError, req: Request): Record<string, unknown> {
  const returnTo = sanitizeReturnTo(req.originalUrl);
  return {
    code: err.code,
    requiredRole: err.details['role'],
    requiredGroup: err.details['group'],
    switchAccountUrl: signInHref({ prompt: 'select_account', returnTo }),
  };
}

/** Library 4xx statuses that mean something more precise than "bad request" (codes keyed in the catalogues). */
const CLIENT_FAULTS = new Map<number, readonly [code: string, message: string]>([
  [404, [ErrorCode.notFound, 'There is no page at this address.']],
  [413, [ErrorCode.payloadTooLarge, 'What you sent is too large.']],
  [414, [ErrorCode.uriTooLong, 'This address is too long.']],
  [431, [ErrorCode.headersTooLarge, 'Your browser sent too much data with this request (usually too many or too large cookies).']],
]);

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  // body-parser, express.static and Express itself attach a 4xx status with `expose` for client faults.
  const e = err as { status?: unknown; statusCode?: unknown; expose?: unknown; type?: unknown };
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    // Too large is not "could not be understood": each size refusal has its own words (and advice).
    const [code, message] = CLIENT_FAULTS.get(status) ?? [ErrorCode.badRequest, 'The request could not be understood.'];
    return new AppError(code, status, message, { cause: err });
  }
  return new AppError(ErrorCode.internalError, 500, 'Something went wrong on our side. Please try again.', { cause: err });
}
