import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import * as client from 'openid-client';
import type { Config } from '../config.js';
import { BadRequestError, ForbiddenError, SignInError } from '../errors.js';
import type { SessionBackend } from '../session/backend.js';
import { destroySession, establishSession } from '../session/session-middleware.js';
import type { Views } from '../http/views.js';
import { markSignedOut } from '../http/signed-out-notice.js';
import { readCookie } from '../http/cookies.js';
import { redirectTo } from '../http/redirect.js';
import { clientOf } from '../http/client-address.js';
import { parseEntraError } from './entra-errors.js';
import type { TransactionStore } from './login-transactions.js';
import type { OidcClient } from './oidc-client.js';
import { entraSignInError, translateOidcError } from './oidc-errors.js';
import { sanitizeReturnTo } from '../http/return-to.js';
import { createLoginSecrets } from './login-secrets.js';
import { parseLoginOptions } from './login-options.js';
import { assertIssuedInThePast, toSessionUser, userKey } from './session-user.js';
import { fetchTransitiveGroupIds, hasGroupsOverage } from './graph-groups.js';

export interface AuthRouterDeps {
  readonly config: Config;
  readonly oidc: OidcClient;
  readonly transactions: TransactionStore;
  readonly backend: SessionBackend;
  readonly views: Views;
  readonly clock: () => number;
}

// What Entra answers to prompt=none when it needs the user (AADSTS50058, 50076, 65001, ...).
const SILENT_FALLBACK_ERRORS = new Set(['login_required', 'interaction_required', 'consent_required', 'account_selection_required']);

export function createAuthRouter(deps: AuthRouterDeps): Router {
  const { config, oidc, transactions, backend, views, clock } = deps;
  const router = Router();
  const txCookie = config.loginTransaction.cookieName;

  router.get('/auth/login', async (req, res) => {
    const oidcConfig = oidc.configuration();
    const returnTo = sanitizeReturnTo(singleQueryValue(req, 'returnTo'));
    const options = parseLoginOptions((name) => new URLSearchParams(rawQueryOf(req)).getAll(name));

    // One binding value per browser (reused across tabs, so parallel logins all complete).
    let binding = readCookie(req, txCookie);
    if (!binding || !/^[A-Za-z0-9_-]{43}$/.test(binding)) binding = randomBytes(32).toString('base64url');
    res.cookie(txCookie, binding, {
      httpOnly: true,
      secure: config.session.secure,
      sameSite: 'lax',
      path: '/',
      maxAge: config.loginTransaction.ttlMs,
    });

    const { state, nonce, code_verifier, code_challenge } = createLoginSecrets();
    await transactions.put(
      state,
      {
        code_verifier,
        nonce,
        returnTo,
        binding: sha256(binding),
        createdAt: clock(),
        // Counted against this client's cap of pending sign-ins (LOGIN_PENDING_PER_CLIENT), as the rate limit counts it.
        client: clientOf(req, config.rateLimit.ipv6PrefixBits),
        ...(options.prompt ? { prompt: options.prompt } : {}),
      },
      config.loginTransaction.ttlMs,
    );
    const url = client.buildAuthorizationUrl(oidcConfig, {
      redirect_uri: config.redirectUri,
      scope: config.entra.scope,
      response_type: 'code',
      response_mode: 'query',
      code_challenge,
      code_challenge_method: 'S256',
      state,
      nonce,
      ...options,
    });
    res.setHeader('Cache-Control', 'no-store');
    redirectTo(res, 302, url.href);
  });

  router.get('/auth/callback', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const rawQuery = rawQueryOf(req);
    const params = new URLSearchParams(rawQuery);
    const states = params.getAll('state');
    if (states.length !== 1 || !states[0]) {
      throw new SignInError('invalid_state', 400, 'This sign-in link is not valid. Please start signing in again.');
    }
    const state = states[0];
    // Taken before anything else: whatever happens next, this state can never be used again.
    const tx = await transactions.take(state);
    if (!tx) {
      throw new SignInError('unknown_state', 400, 'This sign-in attempt has expired or was already used. Please start signing in again.');
    }
    const binding = readCookie(req, txCookie);
    if (!binding || !constantTimeEqual(sha256(binding), tx.binding)) {
      throw new SignInError('browser_mismatch', 400, 'This sign-in was started in a different browser. Please start signing in again.');
    }

    const entraError = parseEntraError(params);
    if (entraError && tx.prompt === 'none' && SILENT_FALLBACK_ERRORS.has(entraError.error)) {
      // A silent renewal Entra could not complete (no Entra session, MFA due, consent or account choice needed):
      // start the interactive sign-in instead. That one needs the user, so this can never loop.
      req.log.info({ event: 'signin.silent_fallback', error: entraError.error, aadsts: entraError.aadsts }, 'silent sign-in needs interaction');
      return res.redirect(302, `/auth/login?returnTo=${encodeURIComponent(tx.returnTo)}`);
    }
    if (entraError) throw entraSignInError(entraError, entraError.error === 'access_denied' ? 403 : 400);

    oidc.configuration();
    // The redirect_uri sent to the token endpoint is the configured one, never rebuilt from Host headers.
    const currentUrl = new URL(`${config.redirectUri}?${rawQuery}`);
    let claims;
    let accessToken: string;
    try {
      ({ claims, access_token: accessToken } = await oidc.exchangeCode(currentUrl, {
        pkceCodeVerifier: tx.code_verifier,
        expectedState: state,
        expectedNonce: tx.nonce,
      }));
    } catch (err) {
      throw translateOidcError(err);
    }
    if (!claims) throw new SignInError('invalid_token', 502, 'Microsoft Entra ID did not return an ID token.');
    // The wall clock, as openid-client used for exp/nbf (the injected clock only drives session lifetimes).
    assertIssuedInThePast(claims, Date.now());
    let user = toSessionUser(claims, { allowedTenants: oidc.allowedTenants(), authorityHost: config.entra.authorityHost });
    if (hasGroupsOverage(claims)) {
      // Fail closed: without the groups, group gates cannot decide, so there is no session at all.
      const groups = await fetchTransitiveGroupIds({ graphHost: config.entra.graphHost, accessToken, timeoutMs: config.entra.httpTimeoutSeconds * 1000 });
      user = { ...user, groups, groupsSource: 'graph' };
      req.log.info({ event: 'signin.groups_overage', groups: groups.length }, 'group memberships read from Microsoft Graph');
    }

    await establishSession(req, user, clock());
    if (user.sid) await backend.sidIndex.add(user.sid, req.sessionID, config.session.absoluteTimeoutMs);
    req.log.info({ event: 'signin.success', tid: user.tid, oid: user.oid, user: userKey(user) }, 'sign-in succeeded');
    redirectTo(res, 302, tx.returnTo);
  });

  // A GET (a bookmarked or typed link) only shows a confirmation: sign-out itself needs the CSRF token.
  router.get('/auth/logout', (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (!req.session?.user) return res.redirect(302, '/');
    res.send(views.render('logout', { ...res.locals, title: res.locals.t('logout.title') }));
  });

  router.post('/auth/logout', express.urlencoded({ extended: false, limit: '2kb', parameterLimit: 5 }), async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const user = req.session?.user;
    if (!user) return res.redirect(303, '/');
    const origin = req.get('origin');
    const token = (req.body as Record<string, unknown> | undefined)?.['_csrf'];
    if ((origin !== undefined && origin !== config.baseUrl) || typeof token !== 'string' || !constantTimeEqual(token, req.session.csrf ?? '')) {
      throw new ForbiddenError('csrf', 'This sign-out request did not come from an iLOGON_MHA page. Use the Sign out button.');
    }
    await destroySession(req);
    res.clearCookie(config.session.cookieName, { path: '/', httpOnly: true, secure: config.session.secure, sameSite: 'lax' });
    markSignedOut(res, config);
    req.log.info({ event: 'signout', tid: user.tid, oid: user.oid, reason: 'user' }, 'signed out');

    const endSession = oidc.ready ? oidc.configuration().serverMetadata().end_session_endpoint : undefined;
    if (!endSession) return res.redirect(303, '/');
    const url = client.buildEndSessionUrl(oidc.configuration(), {
      client_id: config.entra.clientId,
      post_logout_redirect_uri: config.postLogoutRedirectUri,
      ...(user.login_hint ? { logout_hint: user.login_hint } : {}),
    });
    // 303: the browser follows with a GET, as Entra's logout endpoint expects.
    res.redirect(303, url.href);
  });

  router.get('/auth/frontchannel-logout', async (req, res) => {
    const sid = singleQueryValue(req, 'sid');
    if (typeof sid !== 'string' || sid.length === 0 || sid.length > 256) {
      throw new BadRequestError('invalid_sid', 'A front-channel logout needs exactly one sid.');
    }
    const iss = singleQueryValue(req, 'iss');
    if (iss !== undefined && oidc.ready && iss !== oidc.configuration().serverMetadata().issuer) {
      throw new BadRequestError('invalid_issuer', 'This logout request names another issuer.');
    }
    const sessionIds = await backend.sidIndex.take(sid);
    await Promise.all(
      sessionIds.map((id) => new Promise<void>((resolve, reject) => backend.store.destroy(id, (err) => (err ? reject(err) : resolve())))),
    );
    req.log.info({ event: 'signout', reason: 'frontchannel', sessions: sessionIds.length }, 'front-channel logout');
    frontchannelHeaders(res, config);
    res.status(200).type('html').send(views.render('frontchannel-logout', res.locals));
  });

  return router;
}

// Entra loads this URL in a hidden iframe on its own origin: framable by the authority and nothing else.
function frontchannelHeaders(res: Response, config: Config): void {
  res.setHeader('Cache-Control', 'no-store');
  res.removeHeader('X-Frame-Options');
  res.setHeader('Content-Security-Policy', `default-src 'none'; frame-ancestors ${config.entra.authorityHost}`);
}

/** One value or undefined: repeated parameters and bracket tricks (a[]=, a[__proto__]=) never count. */
function singleQueryValue(req: Request, name: string): string | undefined {
  const values = new URLSearchParams(rawQueryOf(req)).getAll(name);
  return values.length === 1 ? values[0] : undefined;
}

function rawQueryOf(req: Request): string {
  const i = req.originalUrl.indexOf('?');
  return i === -1 ? '' : req.originalUrl.slice(i + 1);
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
