/**
 * The server's own paths, in one table: routes, links and gates name them from here, so a path greps to every
 * place that serves, links or judges it. The gated prefixes (built-in pages, API, UPSTREAM_PATHS) are computed
 * once in the configuration (config.gatedPrefixes); who may open them is src/auth/access-policy.ts.
 */
export const PATHS = {
  home: '/',
  login: '/auth/login',
  callback: '/auth/callback',
  logout: '/auth/logout',
  frontchannelLogout: '/auth/frontchannel-logout',
  /** The forward-auth endpoint for nginx auth_request and Traefik forwardAuth. */
  check: '/auth/check',
  identityJwks: '/auth/identity-jwks.json',
  /** A failed sign-in's reloadable page (src/error-pages/error-reference.ts). */
  signInError: '/auth/error',
  adminConsent: '/auth/admin-consent',
  adminConsentCallback: '/auth/admin-consent/callback',
  /** The built-in iLOGON_MHA pages (prefix), their start page and the admin area (prefix). */
  mha: '/mha',
  mhaHome: '/mha/',
  mhaProfile: '/mha/profile',
  mhaAdmin: '/mha/admin',
  adminStatus: '/mha/admin/status',
  /** The built-in API (prefix). */
  api: '/api',
  apiMe: '/api/me',
  assets: '/assets',
  healthz: '/healthz',
  readyz: '/readyz',
  metrics: '/metrics',
} as const;

/** The gated prefixes of the built-in pages and API; the configuration adds UPSTREAM_PATHS (config.gatedPrefixes). */
export const BUILT_IN_GATED_PREFIXES: readonly string[] = [PATHS.mha, PATHS.api];

/** Prefixes under which only the admin app role may open a page, whoever serves it (built in or the backend). */
export const ADMIN_PREFIXES: readonly string[] = [PATHS.mhaAdmin];

export interface SignInHrefOptions {
  /**
   * Where to come back to after sign-in. Sent as given (encoded): /auth/login collapses it to a same-origin
   * path (src/http/return-to.ts), so a caller need not, and one that does changes nothing.
   */
  readonly returnTo?: string;
  /** Entra's prompt: `none` for a silent renewal, `select_account` to choose another account. */
  readonly prompt?: 'none' | 'select_account' | 'login' | 'consent';
}

/** The one way to link to sign-in: `/auth/login`, then `prompt`, then `returnTo`. */
export function signInHref(options: SignInHrefOptions = {}): string {
  const { returnTo, prompt } = options;
  const query = [...(prompt ? [`prompt=${prompt}`] : []), ...(returnTo === undefined ? [] : [`returnTo=${encodeURIComponent(returnTo)}`])];
  return query.length === 0 ? PATHS.login : `${PATHS.login}?${query.join('&')}`;
}
