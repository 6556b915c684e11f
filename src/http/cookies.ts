import type { CookieOptions } from 'express';

/**
 * Every cookie this server sets, in one table: a new cookie is a line here, so its name, its attributes and the
 * way it is read are the same as every other one's. Over https each name gets the `__Host-` prefix, which binds
 * the cookie to this exact origin (Secure, Path=/, no Domain): no subdomain can plant or overwrite it.
 */
const COOKIE_NAMES = {
  /** express-session's signed session id. */
  session: 'mha.sid',
  /** The browser binding of pending sign-ins (src/auth/routes.ts). */
  loginTransaction: 'mha.auth',
  /** The chosen page language (src/i18n/middleware.ts): a preference, not a secret. */
  language: 'mha.lang',
  /** A failed sign-in kept for its reloadable error page (src/error-pages/error-reference.ts). */
  signInError: 'mha.signin_error',
  /** "You have signed out", read once after the round trip through Entra's logout (src/http/signed-out-notice.ts). */
  signedOut: 'mha.signed_out',
  /** The state of an admin consent started in this browser (src/auth/admin-consent.ts). */
  adminConsent: 'mha.consent',
} as const;

export type CookieKind = keyof typeof COOKIE_NAMES;
export type CookieNames = { readonly [K in CookieKind]: string };

/** The names for this deployment: `__Host-` prefixed when cookies are Secure (config.session.secure). */
export function cookieNames(secure: boolean): CookieNames {
  return secure ? SECURE_NAMES : PLAIN_NAMES;
}

const PLAIN_NAMES: CookieNames = Object.freeze({ ...COOKIE_NAMES });
const SECURE_NAMES: CookieNames = Object.freeze(
  Object.fromEntries(Object.entries(COOKIE_NAMES).map(([kind, name]) => [kind, `__Host-${name}`])) as Record<CookieKind, string>,
);

/**
 * The attributes of every cookie of ours: HttpOnly (no script reads any of them), SameSite=Lax (sent on the
 * top-level navigation back from Entra, not on cross-site subrequests), Path=/ (a `__Host-` cookie must have
 * it), Secure over https. With `maxAgeMs` for setting; without it for clearing (the attributes must match).
 */
export function cookieOptions(secure: boolean, maxAgeMs?: number): CookieOptions {
  const options: CookieOptions = { httpOnly: true, secure, sameSite: 'lax', path: '/' };
  if (maxAgeMs !== undefined) options.maxAge = maxAgeMs;
  return options;
}

/**
 * The first cookie with this name, decoded as the `cookie` package (and so express-session) does: the one
 * cookie parser, without a cookie-parser dependency. On the gated hot path (the session reader): a split
 * and a loop, no regular expression.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

/** The Cookie header without the named cookies; undefined when nothing is left. */
export function withoutCookies(header: string | undefined, names: readonly string[]): string | undefined {
  if (!header) return undefined;
  const kept = header
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '' && !names.includes(p.slice(0, p.indexOf('=') === -1 ? p.length : p.indexOf('=')).trim()));
  return kept.length > 0 ? kept.join('; ') : undefined;
}
