import { randomBytes } from 'node:crypto';
import { Router, type Request } from 'express';
import { isGuid, type Config } from '../config.js';
import { BadRequestError, ErrorCode } from '../errors.js';
import { cookieNames, cookieOptions, readCookie } from '../http/cookies.js';
import type { Views } from '../http/views.js';
import { PATHS } from '../http/paths.js';
import { singleQueryValue } from '../http/query.js';
import { constantTimeEqual } from './login-secrets.js';
import { registrationValue } from './registration.js';

// A verified domain as Entra accepts it in the authority path (contoso.com, contoso.onmicrosoft.com).
const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/**
 * Onboarding a customer tenant: `/auth/admin-consent?tenant=<GUID or domain>` sends that tenant's admin to
 * Entra's admin-consent page; Entra comes back to `/auth/admin-consent/callback` with the outcome, which is
 * shown (and logged) with the tenant id to add to ENTRA_ALLOWED_TENANTS. The state is bound to this browser
 * by a short-lived cookie, so a forged callback link cannot report a consent that never happened.
 * Register `BASE_URL/auth/admin-consent/callback` as a Web redirect URI.
 */
export function createAdminConsentRouter(deps: { config: Config; views: Views }): Router {
  const { config, views } = deps;
  const router = Router();
  const cookieName = cookieNames(config.session.secure).adminConsent;
  const callbackUri = registrationValue(config.baseUrl, 'adminConsentRedirectUri');

  router.get(PATHS.adminConsent, (req, res) => {
    const tenant = one(req, 'tenant');
    if (tenant === undefined || !(isGuid(tenant) || DOMAIN.test(tenant))) {
      throw new BadRequestError(ErrorCode.invalidConsentTenant, 'Give the customer tenant as ?tenant= with its tenant ID (a GUID) or a verified domain.');
    }
    const state = randomBytes(32).toString('base64url');
    res.cookie(cookieName, state, cookieOptions(config.session.secure, 15 * 60_000));
    const url = new URL(`${config.entra.authorityHost}/${encodeURIComponent(tenant)}/v2.0/adminconsent`);
    url.searchParams.set('client_id', config.entra.clientId);
    // `.default` asks for every permission configured on the app registration (Graph User.Read for groups).
    url.searchParams.set('scope', `${config.entra.graphHost}/.default`);
    url.searchParams.set('redirect_uri', callbackUri);
    url.searchParams.set('state', state);
    res.setHeader('Cache-Control', 'no-store');
    req.log.info({ event: 'admin_consent.start', tenant }, 'admin consent started');
    res.redirect(302, url.href);
  });

  router.get(PATHS.adminConsentCallback, (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const state = one(req, 'state');
    const expected = readCookie(req.headers.cookie, cookieName);
    res.clearCookie(cookieName, cookieOptions(config.session.secure));
    if (!state || !expected || !constantTimeEqual(state, expected)) {
      throw new BadRequestError(ErrorCode.invalidConsentState, 'This admin-consent answer does not belong to a consent started in this browser. Start again from the onboarding link.');
    }
    const error = one(req, 'error');
    const tenant = one(req, 'tenant');
    const granted = !error && one(req, 'admin_consent')?.toLowerCase() === 'true' && tenant !== undefined && isGuid(tenant);
    const description = one(req, 'error_description')?.slice(0, 500);
    req.log.info({ event: 'admin_consent.result', granted, tenant: granted ? tenant : undefined, error }, 'admin consent answered');
    const tid = granted ? tenant!.toLowerCase() : undefined;
    res.status(granted ? 200 : 400).send(
      views.render('admin-consent', {
        ...res.locals,
        title: res.locals.t(granted ? 'consent.grantedTitle' : 'consent.failedTitle'),
        granted,
        tenant: tid,
        alreadyAllowed: tid !== undefined && config.entra.allowedTenants.includes(tid),
        multiTenant: config.entra.multiTenant,
        error,
        description,
      }),
    );
  });
  return router;
}

/** One non-empty value, or undefined (src/http/query.ts). */
function one(req: Request, name: string): string | undefined {
  return singleQueryValue(req, name) || undefined;
}
