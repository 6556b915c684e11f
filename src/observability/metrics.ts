import type { Request, Response } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { MAPPED_AADSTS_CODES } from '../auth/entra-errors.js';
import type { SignInOutcome } from '../auth/signin-outcome.js';

/**
 * Prometheus metrics for one app instance. A registry per instance (not prom-client's global one), so
 * tests and the dev server can run several apps in one process without label clashes.
 */
export interface Metrics {
  readonly registry: Registry;
  /**
   * Request count and latency by route template (never the raw path: unbounded label values). Called once
   * per finished response by the request context, which already times every request.
   */
  recordRequest(req: Request, res: Response, seconds: number): void;
  discovery(outcome: 'success' | 'failure'): void;
  /** The auth router's onSignIn subscriber: `signins_total` by outcome, failure reason and (known) AADSTS code. */
  signIn(outcome: SignInOutcome): void;
  jwksFetch(): void;
  storeError(operation: string): void;
  rateLimited(limit: string): void;
  /**
   * The client credential's last verdict from Entra (credential-monitor.ts): `mha_credential_ok` 1 accepted,
   * 0 refused, and when that was; no series until Entra has judged it once. `kind` is the configured kind.
   */
  credentialVerdict(kind: 'secret' | 'certificate' | 'assertion_file', ok: boolean, atMs: number): void;
  /** Where the store can count its sessions (memory), report them at scrape time. */
  activeSessions(count: () => Promise<number | undefined>): void;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route template and status code',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status code',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const signIns = new Counter({
    name: 'signins_total',
    help: 'Completed sign-in callbacks by outcome, failure reason and AADSTS code',
    labelNames: ['outcome', 'reason', 'aadsts'],
    registers: [registry],
  });
  const discovery = new Counter({
    name: 'oidc_discovery_total',
    help: 'OpenID discovery document loads by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const jwks = new Counter({
    name: 'oidc_jwks_fetches_total',
    help: 'Fetches of the authority signing keys (JWKS)',
    registers: [registry],
  });
  const storeErrors = new Counter({
    name: 'session_store_errors_total',
    help: 'Failed session store operations (Redis unreachable or timing out)',
    labelNames: ['operation'],
    registers: [registry],
  });
  const limited = new Counter({
    name: 'rate_limited_total',
    help: 'Requests refused with 429 by the rate limit',
    labelNames: ['limit'],
    registers: [registry],
  });
  const credentialOk = new Gauge({
    name: 'mha_credential_ok',
    help: 'Whether Entra accepted the client credential at the last check (1) or refused it (0); absent until checked',
    labelNames: ['kind'],
    registers: [registry],
  });
  const credentialChecked = new Gauge({
    name: 'mha_credential_last_check_timestamp_seconds',
    help: 'When Entra last judged the client credential (Unix time)',
    labelNames: ['kind'],
    registers: [registry],
  });
  let countSessions: (() => Promise<number | undefined>) | undefined;
  new Gauge({
    name: 'sessions_active',
    help: 'Signed-in sessions held by this instance (memory store only)',
    registers: [registry],
    async collect() {
      const n = countSessions ? await countSessions() : undefined;
      if (n !== undefined) this.set(n);
    },
  });

  // prom-client hashes a label object on every inc/observe; the label sets here are few (route templates,
  // not raw paths), so each is bound once and the per-request work is two increments.
  type Series = { count: ReturnType<typeof requests.labels>; duration: ReturnType<typeof duration.labels> };
  const series = new Map<string, Series>();
  const seriesFor = (method: string, route: string, status: number): Series => {
    const key = `${method} ${status} ${route}`;
    let found = series.get(key);
    if (!found) {
      const labels = { method, route, status: String(status) };
      found = { count: requests.labels(labels), duration: duration.labels(labels) };
      series.set(key, found);
    }
    return found;
  };

  return {
    registry,
    recordRequest(req, res, seconds) {
      const bound = seriesFor(req.method, routeOf(req, res), res.statusCode);
      bound.count.inc();
      bound.duration.observe(seconds);
    },
    signIn(outcome) {
      // The reason is one of ours (SignInReason), never caller text; the AADSTS code only when the table knows it.
      if (outcome.outcome === 'success') signIns.inc({ outcome: 'success', reason: '', aadsts: '' });
      else signIns.inc({ outcome: 'failure', reason: outcome.error.reason, aadsts: aadstsLabel(outcome.error.details['aadsts']) });
    },
    discovery: (outcome) => discovery.inc({ outcome }),
    jwksFetch: () => jwks.inc(),
    storeError: (operation) => storeErrors.inc({ operation }),
    rateLimited: (limit) => limited.inc({ limit }),
    credentialVerdict(kind, ok, atMs) {
      credentialOk.set({ kind }, ok ? 1 : 0);
      credentialChecked.set({ kind }, Math.floor(atMs / 1000));
    },
    activeSessions(count) {
      countSessions = count;
    },
  };
}

// The callback's AADSTS code is whatever the caller wrote into the query: as a label it would make a series per value.
const KNOWN_AADSTS: ReadonlySet<string> = new Set(MAPPED_AADSTS_CODES);

/** A code of the AADSTS table (src/auth/entra-errors.ts) labels itself; any other is `other`; none is empty. */
export function aadstsLabel(aadsts: string | undefined): string {
  if (!aadsts) return '';
  return KNOWN_AADSTS.has(aadsts) ? aadsts : 'other';
}

/** The matched route template; unmatched paths collapse to a few fixed labels. */
function routeOf(req: Request, res: Response): string {
  // The router restores `baseUrl` to what the request was born with (unset) once it hands the request on to
  // Express's final handler, so it may be undefined by the time the response finishes.
  if (req.route?.path && typeof req.route.path === 'string') return `${req.baseUrl ?? ''}${req.route.path}`;
  if (res.statusCode === 404) return 'unmatched';
  const prefix = /^\/(mha|api|auth|assets)\//.exec(req.path)?.[1];
  return prefix ? `/${prefix}/*` : 'other';
}

/** Serves the registry in Prometheus text format. */
export function metricsHandler(metrics: Metrics) {
  return async function serveMetrics(_req: Request, res: Response): Promise<void> {
    res.setHeader('Cache-Control', 'no-store');
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}
