import { randomBytes } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import * as client from 'openid-client';
import type { Config } from '../config.js';
import { BadRequestError, ErrorCode, ForbiddenError, SignInError, SignInReason } from '../errors.js';
import type { SessionBackend } from '../session/backend.js';
import { destroySession, establishSession } from '../session/session-middleware.js';
import type { Views } from '../http/views.js';
import { markSignedOut } from '../http/signed-out-notice.js';
import { cookieOptions, readCookie } from '../http/cookies.js';
import { PATHS, signInHref } from '../http/paths.js';
import { queryValues, rawQueryOf, singleQueryValue } from '../http/query.js';
import { redirectTo } from '../http/redirect.js';
import { clientOf } from '../http/client-address.js';
import { parseEntraError, type EntraError } from './entra-errors.js';
import type { LoginTransaction, TransactionStore } from './login-transactions.js';
import type { OidcClient } from './oidc-client.js';
import { entraSignInError, translateOidcError } from './oidc-errors.js';
import { sanitizeReturnTo } from '../http/return-to.js';
import { constantTimeEqual, createLoginSecrets, sha256 } from './login-secrets.js';
import { parseLoginOptions } from './login-options.js';
import { assertIssuedInThePast, toSessionUser, userKey, type SessionUser } from './session-user.js';
import { fetchTransitiveGroupIds, hasGroupsOverage } from './graph-groups.js';
import type { SignInObserver } from './signin-outcome.js';

export interface AuthRouterDeps {
  readonly config: Config;
  readonly oidc: OidcClient;
  readonly transactions: TransactionStore;
  readonly backend: SessionBackend;
  readonly views: Views;
  readonly clock: () => number;
  /**
   * Told how each sign-in callback ended, once, before the response: the metrics and the failure log subscribe
   * (src/app.ts). It must not throw (like the oidc client's onDiscovery).
   */
  readonly onSignIn?: SignInObserver;
}

// What Entra answers to prompt=none when it needs the user (AADSTS50058, 50076, 65001, ...).
const SILENT_FALLBACK_ERRORS = new Set(['login_required', 'interaction_required', 'consent_required', 'account_selection_required']);

// The browser binding cookie's value: 32 random bytes, base64url.
const BINDING = /^[A-Za-z0-9_-]{43}$/;

/**
 * The sign-in flow: `login` starts it at Entra, `callback` completes it, `logout` (a confirmation on GET, the
 * sign-out itself on POST) and `frontchannelLogout` (Entra's sign-out of another app) end it.
 */
export function createAuthRouter(deps: AuthRouterDeps): Router {
  const { config, oidc, transactions, backend, views, clock } = deps;
  const txCookie = config.loginTransaction.cookieName;
  const report: SignInObserver = deps.onSignIn ?? (() => {});

  /** `GET /auth/login`: a login transaction bound to this browser, then off to Entra's authorize endpoint. */
  async function login(req: Request, res: Response): Promise<void> {
    const oidcConfig = oidc.configuration();
    const returnTo = sanitizeReturnTo(singleQueryValue(req, 'returnTo'));
    const options = parseLoginOptions((name) => queryValues(req, name));

    // One binding value per browser (reused across tabs, so parallel logins all complete).
    let binding = readCookie(req.headers.cookie, txCookie);
    if (!binding || !BINDING.test(binding)) binding = randomBytes(32).toString('base64url');
    res.cookie(txCookie, binding, cookieOptions(config.session.secure, config.loginTransaction.ttlMs));

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
  }

  /** `GET /auth/callback`: Entra's answer becomes a session, or a SignInError; either way the outcome is reported. */
  async function callback(req: Request, res: Response): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    try {
      const rawQuery = rawQueryOf(req);
      const params = new URLSearchParams(rawQuery);
      const { state, tx } = await takeTransaction(req, params);

      const entraError = parseEntraError(params);
      if (entraError && tx.prompt === 'none' && SILENT_FALLBACK_ERRORS.has(entraError.error)) return interactiveInstead(req, res, tx, entraError);
      if (entraError) throw entraSignInError(entraError, entraError.error === 'access_denied' ? 403 : 400);

      const user = await redeemCode(req, rawQuery, state, tx);
      await establishSession(req, user, clock());
      if (user.sid) await backend.sidIndex.add(user.sid, req.sessionID, config.session.absoluteTimeoutMs);
      req.log.info({ event: 'signin.success', tid: user.tid, oid: user.oid, user: userKey(user) }, 'sign-in succeeded');
      report({ outcome: 'success', user, requestId: req.id, log: req.log });
      redirectTo(res, 302, tx.returnTo);
    } catch (err) {
      if (err instanceof SignInError) report({ outcome: 'failure', error: err, requestId: req.id, log: req.log });
      throw err;
    }
  }

  /** The one login transaction this callback names, taken (single use) and checked against this browser's binding. */
  async function takeTransaction(req: Request, params: URLSearchParams): Promise<{ state: string; tx: LoginTransaction }> {
    const states = params.getAll('state');
    if (states.length !== 1 || !states[0]) {
      throw new SignInError(SignInReason.invalidState, 400, 'This sign-in link is not valid. Please start signing in again.');
    }
    const state = states[0];
    // Taken before anything else: whatever happens next, this state can never be used again.
    const tx = await transactions.take(state);
    if (!tx) {
      throw new SignInError(SignInReason.unknownState, 400, 'This sign-in attempt has expired or was already used. Please start signing in again.');
    }
    const binding = readCookie(req.headers.cookie, txCookie);
    if (!binding || !constantTimeEqual(sha256(binding), tx.binding)) {
      throw new SignInError(SignInReason.browserMismatch, 400, 'This sign-in was started in a different browser. Please start signing in again.');
    }
    return { state, tx };
  }

  /**
   * A silent renewal Entra could not complete (no Entra session, MFA due, consent or account choice needed):
   * start the interactive sign-in instead. That one needs the user, so this can never loop.
   */
  function interactiveInstead(req: Request, res: Response, tx: LoginTransaction, entraError: EntraError): void {
    req.log.info({ event: 'signin.silent_fallback', error: entraError.error, aadsts: entraError.aadsts }, 'silent sign-in needs interaction');
    res.redirect(302, signInHref({ returnTo: tx.returnTo }));
  }

  /** The code redeemed at the token endpoint, the ID token checked, its claims made the session's user. */
  async function redeemCode(req: Request, rawQuery: string, state: string, tx: LoginTransaction): Promise<SessionUser> {
    // Throws while discovery has not loaded (503), before anything is sent to the token endpoint.
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
    if (!claims) throw new SignInError(SignInReason.invalidToken, 502, 'Microsoft Entra ID did not return an ID token.');
    // The wall clock, as openid-client used for exp/nbf (the injected clock only drives session lifetimes).
    assertIssuedInThePast(claims, Date.now());
    const user = toSessionUser(claims, { allowedTenants: oidc.allowedTenants(), authorityHost: config.entra.authorityHost });
    if (!hasGroupsOverage(claims)) return user;
    // Fail closed: without the groups, group gates cannot decide, so there is no session at all.
    const groups = await fetchTransitiveGroupIds({ graphHost: config.entra.graphHost, accessToken, timeoutMs: config.entra.httpTimeoutSeconds * 1000 });
    req.log.info({ event: 'signin.groups_overage', groups: groups.length }, 'group memberships read from Microsoft Graph');
    return { ...user, groups, groupsSource: 'graph' };
  }

  /** `GET /auth/logout`: a bookmarked or typed link only shows a confirmation; sign-out itself needs the CSRF token. */
  function logoutConfirmation(req: Request, res: Response): void {
    res.setHeader('Cache-Control', 'no-store');
    if (!req.session?.user) return res.redirect(302, PATHS.home);
    res.send(views.render('logout', { ...res.locals, title: res.locals.t('logout.title') }));
  }

  /** `POST /auth/logout`: the session ends here, then Entra's own session at its end-session endpoint. */
  async function logout(req: Request, res: Response): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    const user = req.session?.user;
    if (!user) return res.redirect(303, PATHS.home);
    const origin = req.get('origin');
    const token = (req.body as Record<string, unknown> | undefined)?.['_csrf'];
    if ((origin !== undefined && origin !== config.baseUrl) || typeof token !== 'string' || !constantTimeEqual(token, req.session.csrf ?? '')) {
      throw new ForbiddenError(ErrorCode.csrf, 'This sign-out request did not come from an iLOGON_MHA page. Use the Sign out button.');
    }
    await destroySession(req);
    res.clearCookie(config.session.cookieName, cookieOptions(config.session.secure));
    markSignedOut(res, config);
    req.log.info({ event: 'signout', tid: user.tid, oid: user.oid, reason: 'user' }, 'signed out');

    const endSession = oidc.ready ? oidc.configuration().serverMetadata().end_session_endpoint : undefined;
    if (!endSession) return res.redirect(303, PATHS.home);
    const url = client.buildEndSessionUrl(oidc.configuration(), {
      client_id: config.entra.clientId,
      post_logout_redirect_uri: config.postLogoutRedirectUri,
      ...(user.login_hint ? { logout_hint: user.login_hint } : {}),
    });
    // 303: the browser follows with a GET, as Entra's logout endpoint expects.
    res.redirect(303, url.href);
  }

  /** `GET /auth/frontchannel-logout?sid=`: Entra, in a hidden iframe, ends every session of that Entra session. */
  async function frontchannelLogout(req: Request, res: Response): Promise<void> {
    const sid = singleQueryValue(req, 'sid');
    if (typeof sid !== 'string' || sid.length === 0 || sid.length > 256) {
      throw new BadRequestError(ErrorCode.invalidSid, 'A front-channel logout needs exactly one sid.');
    }
    const iss = singleQueryValue(req, 'iss');
    if (iss !== undefined && oidc.ready && iss !== oidc.configuration().serverMetadata().issuer) {
      throw new BadRequestError(ErrorCode.invalidIssuer, 'This logout request names another issuer.');
    }
    const sessionIds = await backend.sidIndex.take(sid);
    await Promise.all(
      sessionIds.map((id) => new Promise<void>((resolve, reject) => backend.store.destroy(id, (err) => (err ? reject(err) : resolve())))),
    );
    req.log.info({ event: 'signout', reason: 'frontchannel', sessions: sessionIds.length }, 'front-channel logout');
    frontchannelHeaders(res, config);
    res.status(200).type('html').send(views.render('frontchannel-logout', res.locals));
  }

  const router = Router();
  router.get(PATHS.login, login);
  router.get(PATHS.callback, callback);
  router.get(PATHS.logout, logoutConfirmation);
  router.post(PATHS.logout, express.urlencoded({ extended: false, limit: '2kb', parameterLimit: 5 }), logout);
  router.get(PATHS.frontchannelLogout, frontchannelLogout);
  return router;
}

// Entra loads this URL in a hidden iframe on its own origin: framable by the authority and nothing else.
function frontchannelHeaders(res: Response, config: Config): void {
  res.setHeader('Cache-Control', 'no-store');
  res.removeHeader('X-Frame-Options');
  res.setHeader('Content-Security-Policy', `default-src 'none'; frame-ancestors ${config.entra.authorityHost}`);
}
