import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../config.js';
import { NotFoundError } from '../errors.js';
import { cookieNames, cookieOptions, readCookie } from '../http/cookies.js';
import { PATHS } from '../http/paths.js';
import { sanitizeReturnTo } from '../http/return-to.js';
import { createTranslator, isLocale, LOCALE_NAMES, LOCALES, negotiateLocale, type Locale, type Translator } from './i18n.js';

export interface LanguageLink {
  readonly locale: Locale;
  readonly name: string;
  readonly href: string;
  readonly current: boolean;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** The negotiated page language (also the `<html lang>`). */
      locale: Locale;
      t: Translator['t'];
      lookup: Translator['lookup'];
      /** The language switcher's links, each back to the page it was shown on. */
      languages: LanguageLinkList;
    }
  }
}

const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/** The remembered choice; `__Host-` over https so no subdomain can plant or overwrite it. */
export function languageCookieName(config: Config): string {
  return cookieNames(config.session.secure).language;
}

/**
 * Chooses each request's language (explicit choice, then Accept-Language) and puts a translator in
 * `res.locals`, so templates, routes and the error handler all speak the same language.
 */
export function localeMiddleware(config: Config) {
  const cookieName = languageCookieName(config);
  // One translator per language, built at start-up: they hold no per-request state.
  const translators = new Map(LOCALES.map((locale) => [locale, createTranslator(locale)] as const));
  return function negotiateLanguage(req: Request, res: Response, next: NextFunction): void {
    const translator = translators.get(negotiateLocale({ chosen: readCookie(req.headers.cookie, cookieName), acceptLanguage: req.get('accept-language') }))!;
    res.locals.locale = translator.locale;
    res.locals.t = translator.t;
    res.locals.lookup = translator.lookup;
    res.locals.languages = new LazyLanguageLinks(req, translator.locale);
    res.setHeader('Content-Language', translator.locale);
    next();
  };
}

/** What templates read: the links, in order, and how many. */
export type LanguageLinkList = Iterable<LanguageLink> & { readonly length: number };

/**
 * Only pages show the switcher, so the links are built when a template first reads them, not for every
 * API call. A plain object, not a getter defined per response: that would cost more than it saves.
 */
class LazyLanguageLinks implements LanguageLinkList {
  #links: readonly LanguageLink[] | undefined;
  constructor(
    private readonly req: Request,
    private readonly current: Locale,
  ) {}
  get length(): number {
    return this.links().length;
  }
  [Symbol.iterator](): Iterator<LanguageLink> {
    return this.links()[Symbol.iterator]();
  }
  private links(): readonly LanguageLink[] {
    return (this.#links ??= languageLinks(this.req, this.current));
  }
}

function languageLinks(req: Request, current: Locale): readonly LanguageLink[] {
  const here = encodeURIComponent(switchReturnTo(req));
  return LOCALES.map((locale) => ({ locale, name: LOCALE_NAMES[locale], href: `/lang/${locale}?returnTo=${here}`, current: locale === current }));
}

/**
 * `GET /lang/:locale?returnTo=/path`: the switcher is a plain link, so it works without JavaScript and
 * under the strict CSP. The choice is a cookie (a preference, not a secret) and wins over Accept-Language.
 */
export function createLanguageRouter(config: Config): Router {
  const cookieName = languageCookieName(config);
  const router = Router();
  router.get('/lang/:locale', (req, res) => {
    const locale = req.params['locale'];
    if (!isLocale(locale)) throw new NotFoundError();
    res.cookie(cookieName, locale, cookieOptions(config.session.secure, ONE_YEAR_MS));
    const raw = typeof req.query['returnTo'] === 'string' ? req.query['returnTo'] : undefined;
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, raw === undefined ? '/' : sanitizeReturnTo(raw));
  });
  return router;
}

// Switching language reloads the page it was chosen on, except sign-in steps, which must not be replayed.
function switchReturnTo(req: Request): string {
  if (req.method !== 'GET' || req.path.startsWith(PATHS.login) || req.path.startsWith(PATHS.callback) || req.path.startsWith('/lang/')) {
    return '/';
  }
  return req.originalUrl;
}
