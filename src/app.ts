import type { Server } from 'node:http';
import express, { type Express } from 'express';
import compression from 'compression';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import type { OidcClient } from './auth/oidc-client.js';
import type { TransactionStore } from './auth/login-transactions.js';
import { createAuthRouter } from './auth/routes.js';
import { createAdminConsentRouter } from './auth/admin-consent.js';
import type { SessionBackend } from './session/backend.js';
import { enforceSessionLifetime, sessionMiddleware } from './session/session-middleware.js';
import { sessionLayer } from './perf/read-only-session.js';
import { createSessionReader } from './session/session-reader.js';
import { errorHandler, notFound } from './error-pages/error-handler.js';
import { createHealthRouter } from './http/health.js';
import { createReadiness } from './auth/readiness.js';
import { compose, onlyUnder } from './perf/compose.js';
import { requestContext } from './perf/request-context.js';
import { canonicalRequestTarget } from './http/request-target.js';
import { securityHeaders } from './http/security-headers.js';
import { createViews, type Views } from './http/views.js';
import { createErrorPageRouter, moveToErrorPage, shouldMoveToErrorPage } from './error-pages/error-reference.js';
import { compressPages } from './http/compress.js';
import type { SignInError } from './errors.js';
import type { SignInObserver } from './auth/signin-outcome.js';
import type { Branding } from './http/branding.js';
import { createMhaRouter } from './mha/routes.js';
import { createAdminStatusRouter } from './mha/admin-status.js';
import { createLanguageRouter, localeMiddleware } from './i18n/middleware.js';
import { takeSignedOut } from './http/signed-out-notice.js';
import { createSignInFailureLog, failureRecorder, type SignInFailureLog } from './auth/signin-failures.js';
import { createAccessPolicy } from './auth/access-policy.js';
import { BUILT_IN_GATED_PREFIXES, PATHS } from './http/paths.js';
import { createGateway } from './gateway/gateway.js';
import { boundRequestSize, closeConnectionsWhenShuttingDown } from './http/limits.js';
import { createMemoryRateCounter, rateLimit, type RateCounter } from './http/rate-limit.js';
import { createMetrics, metricsHandler, type Metrics } from './observability/metrics.js';

export interface AppDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly oidc: OidcClient;
  readonly backend: SessionBackend;
  readonly transactions: TransactionStore;
  readonly version: string;
  readonly clock?: () => number;
  readonly views?: Views;
  /** Shown as a banner on every page when the built-in emulator stands in for Entra. */
  readonly emulatorBanner?: boolean;
  readonly isShuttingDown?: () => boolean;
  /** Where failed sign-ins are kept for the admin status page (one per app when not given). */
  readonly signInFailures?: SignInFailureLog;
  /** Prometheus metrics; served at /metrics here unless config.metricsPort moves them to their own port. */
  readonly metrics?: Metrics;
  /** Rate-limit counters: Redis when sessions are shared, so the limit holds across replicas. */
  readonly rateCounter?: RateCounter;
  /** The customer organisation's name, logo and help/privacy links on the pages (none by default). */
  readonly branding?: Branding;
}

export interface App extends Express {
  /**
   * Hooks the listening server's websocket upgrades (gateway mode; they bypass Express). Call once after
   * listen; call the returned function when shutdown begins (it closes open websockets).
   */
  attachServer(server: Server): () => void;
}

/** Builds the whole app from its dependencies; no side effects, so every test gets a fresh one. */
export function createApp(deps: AppDeps): App {
  const { config, logger, oidc, backend } = deps;
  const clock = deps.clock ?? Date.now;
  const views = deps.views ?? createViews({ cache: config.nodeEnv === 'production' });

  // Failed sign-ins: recorded as the auth router reports them (onSignIn below), shown on /mha/admin/status.
  const failures = deps.signInFailures ?? createSignInFailureLog();

  const app = express();
  app.disable('x-powered-by');
  // Every page and API answer is Cache-Control: no-store, so nothing ever revalidates it: an ETag would
  // be a SHA-1 of each body for nothing (measured on the gated path, docs/performance.md "Benchmark"). Static assets keep
  // their own ETags (express.static sets them itself).
  app.set('etag', false);
  // A hop count, never `true`: only that many proxies may speak for the client's address and scheme.
  app.set('trust proxy', config.trustProxy);

  const metrics = deps.metrics ?? createMetrics({ defaultMetrics: false });
  const isShuttingDown = deps.isShuttingDown ?? (() => false);
  // What every request gets, as one router layer (src/perf/compose.ts says why).
  app.use(
    compose(
      requestContext(logger, metrics.recordRequest),
      closeConnectionsWhenShuttingDown(isShuttingDown),
      boundRequestSize(config.http),
      securityHeaders(config, deps.branding),
      // Before anything routes or gates: from here on req.url is the one canonical path every gate judges.
      canonicalRequestTarget(),
      localeMiddleware(config),
    ),
  );
  // gzip for text answers, but never for a page that carries a secret (src/http/compress.ts says why).
  const compress = compressPages(compression);
  // Static assets before the session: they never touch the session store. Fingerprinted, cached immutably.
  app.use(PATHS.assets, compress, views.assets.router());
  app.use(onlyUnder([PATHS.healthz, PATHS.readyz], createHealthRouter({ readiness: createReadiness({ oidc, backend }), isShuttingDown })));
  if (config.metricsPort === undefined) app.get(PATHS.metrics, metricsHandler(metrics));

  const { version } = deps;
  // One reader per app: the session layer's read-only path and the gateway's websocket upgrades share its
  // cache of verified cookies.
  const reader = createSessionReader(config, backend.store, clock);
  const emulatorBanner = deps.emulatorBanner === true;
  const branding = deps.branding ?? {};
  const { adminRole } = config.authorization;
  app.use(
    compose(sessionLayer(config, backend, reader, sessionMiddleware(config, backend), clock), enforceSessionLifetime(config, clock), (req, res, next) => {
      res.locals['user'] = req.session?.user;
      res.locals['csrfToken'] = req.session?.csrf;
      res.locals['version'] = version;
      res.locals['emulatorBanner'] = emulatorBanner;
      res.locals['branding'] = branding;
      // Admins get the Administration link and the version in the footer; nobody else needs either.
      res.locals['isAdmin'] = req.session?.user?.roles.includes(adminRole) ?? false;
      // Pages reflect who is signed in: no shared cache may keep them.
      res.setHeader('Cache-Control', 'no-store');
      next();
    }),
  );

  // The gated paths first: they are most of the traffic, and their paths meet none of the routes below.
  // /auth/check; with UPSTREAM_URL the gated paths go to the backend and the built-in pages never see them.
  // Who may open which gated path: one policy for the built-in pages, the proxy, its websockets and /auth/check.
  const policy = createAccessPolicy(config.authorization);
  const gateway = createGateway({ config, logger, reader, policy, clock });
  app.use(onlyUnder([PATHS.check, PATHS.identityJwks, ...config.gateway.paths], gateway.router));
  // After the gateway: a backend's answers pass as they are (their secrets are not ours to compress).
  app.use(compress);
  app.use(onlyUnder(BUILT_IN_GATED_PREFIXES, createMhaRouter(views, config.authorization, policy)));
  app.use(onlyUnder([PATHS.adminStatus], createAdminStatusRouter({ config, views, failures, version })));

  app.get(PATHS.home, (req, res) => {
    // Back from Entra's sign-out (and not signed in again since): confirm it, once.
    if (takeSignedOut(req, res, config) && !res.locals['user']) {
      res.send(views.render('signed-out', { ...res.locals, title: res.locals.t('signedOut.title') }));
      return;
    }
    res.send(views.render('landing', { ...res.locals, title: res.locals.t('landing.title') }));
  });
  app.use(createLanguageRouter(config));
  app.use(
    [PATHS.login, PATHS.callback],
    rateLimit({ ...config.rateLimit, name: 'auth', counter: deps.rateCounter ?? createMemoryRateCounter(clock), onLimited: metrics.rateLimited }),
  );
  // Each sign-in's outcome, once: counted (signins_total) and, when it failed, logged and kept for the status page.
  const recordFailure = failureRecorder(failures);
  const onSignIn: SignInObserver = (outcome) => {
    metrics.signIn(outcome);
    recordFailure(outcome);
  };
  app.use(createAuthRouter({ config, oidc, transactions: deps.transactions, backend, views, clock, onSignIn }));
  app.use(createAdminConsentRouter({ config, views }));
  app.use(createErrorPageRouter(config));

  app.use(notFound);
  app.use(
    errorHandler(views, {
      // Admins see Entra's technical detail on error pages; anonymous visitors only with SHOW_ERROR_DETAILS=true.
      moveToErrorPage: (err, req, res) => {
        if (!shouldMoveToErrorPage(err, req)) return false;
        moveToErrorPage(err as SignInError, req, res, config);
        return true;
      },
      showDetails: (req) => config.errorPages.showDetails || (req.session?.user?.roles.includes(config.authorization.adminRole) ?? false),
      stepValues: {
        redirectUri: config.redirectUri,
        postLogoutRedirectUri: config.postLogoutRedirectUri,
        clientId: config.entra.clientId,
        tenantId: config.entra.tenantId,
        authorityHost: config.entra.authorityHost,
      },
    }),
  );
  return Object.assign(app, { attachServer: (server: Server) => gateway.attach(server) });
}
