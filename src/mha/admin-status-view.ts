import type { Config } from '../config.js';
import type { Check, CheckStatus } from '../doctor/check.js';

/**
 * What the status page shows, shaped for an operator: a summary first, every value as text (never an
 * object or `null`), and the configuration under the names of the variables the admin sets, not our
 * internal field names. Pure: the route gathers the facts, this only arranges them.
 */
export interface ConfigRow {
  /** The environment variable, exactly as the admin writes it. */
  readonly name: string;
  /** The value in use as text; undefined when the variable is not set (the page says "not set"). */
  readonly value: string | undefined;
  /** Instead of the value: words from the catalogue (a secret is shown only as "set, 40 characters"). */
  readonly text?: { readonly key: 'status.secretLength' | 'status.secretCount' | 'status.secretEphemeral' | 'status.keySet'; readonly params?: Record<string, string> };
}

export interface StatusSummary {
  readonly problems: number;
  readonly warnings: number;
  readonly ok: number;
  readonly skipped: number;
  /** The worst status: what the banner at the top says. */
  readonly overall: 'ok' | 'warning' | 'problem';
}

export function summarize(checks: readonly Check[]): StatusSummary {
  const count = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
  const problems = count('problem');
  const warnings = count('warning');
  return { problems, warnings, ok: count('ok'), skipped: count('skipped'), overall: problems > 0 ? 'problem' : warnings > 0 ? 'warning' : 'ok' };
}

/** Problems first, then warnings, then the rest, each group in the doctor's order. */
export function orderChecks(checks: readonly Check[]): Check[] {
  const rank: Record<CheckStatus, number> = { problem: 0, warning: 1, ok: 2, skipped: 3 };
  return checks.map((c, i) => [c, i] as const).sort((a, b) => rank[a[0].status] - rank[b[0].status] || a[1] - b[1]).map(([c]) => c);
}

export function configRows(config: Config): ConfigRow[] {
  const { entra, session, gateway, store } = config;
  const credential = entra.credential;
  const rows: ConfigRow[] = [
    { name: 'NODE_ENV', value: config.nodeEnv },
    { name: 'PORT', value: String(config.port) },
    { name: 'BASE_URL', value: config.baseUrl },
    { name: 'ENTRA_TENANT_ID', value: entra.tenantId },
    ...(entra.multiTenant ? [{ name: 'ENTRA_ALLOWED_TENANTS', value: entra.allowedTenants.join(', ') }] : []),
    { name: 'ENTRA_CLIENT_ID', value: entra.clientId },
    credential.kind === 'secret'
      ? { name: 'ENTRA_CLIENT_SECRET', value: undefined, text: { key: 'status.secretLength', params: { n: String(credential.secret.length) } } }
      : credential.kind === 'certificate'
        ? { name: 'ENTRA_CLIENT_CERTIFICATE_PATH', value: `${credential.path} (${credential.alg})` }
        : { name: 'ENTRA_CLIENT_ASSERTION_FILE', value: credential.path },
    { name: 'ENTRA_CLOUD', value: entra.cloud },
    { name: 'ENTRA_AUTHORITY_HOST', value: entra.authorityHost },
    { name: 'ENTRA_GRAPH_HOST', value: entra.graphHost },
    { name: 'ENTRA_HTTP_TIMEOUT_SECONDS', value: String(entra.httpTimeoutSeconds) },
    { name: 'TRUST_PROXY', value: String(config.trustProxy) },
    session.secretIsEphemeral
      ? { name: 'SESSION_SECRET', value: undefined, text: { key: 'status.secretEphemeral' } }
      : { name: 'SESSION_SECRET', value: undefined, text: { key: 'status.secretCount', params: { n: String(session.secrets.length) } } },
    { name: 'SESSION_IDLE_TIMEOUT_MINUTES', value: String(session.idleTimeoutMs / 60_000) },
    { name: 'SESSION_ABSOLUTE_TIMEOUT_MINUTES', value: String(session.absoluteTimeoutMs / 60_000) },
    { name: 'SESSION_STORE', value: store.kind },
    ...(store.kind === 'redis'
      ? [
          { name: 'REDIS_URL', value: store.safeUrl },
          { name: 'REDIS_KEY_PREFIX', value: store.keyPrefix },
        ]
      : []),
    { name: 'MHA_ADMIN_ROLE', value: config.authorization.adminRole },
    { name: 'MHA_REQUIRED_ROLE', value: config.authorization.requiredRole },
    { name: 'SHOW_ERROR_DETAILS', value: String(config.errorPages.showDetails) },
    { name: 'UPSTREAM_URL', value: gateway.upstreamUrl },
    ...(gateway.upstreamUrl
      ? [
          { name: 'UPSTREAM_PATHS', value: gateway.paths.join(', ') },
          { name: 'UPSTREAM_TIMEOUT_MS', value: String(gateway.timeoutMs) },
        ]
      : []),
    { name: 'IDENTITY_HEADER_SETS', value: gateway.headerSets.length ? gateway.headerSets.join(', ') : undefined },
    { name: 'UPSTREAM_JWT_KEY', value: undefined, ...(gateway.jwt ? { text: { key: 'status.keySet' as const, params: { alg: gateway.jwt.alg } } } : {}) },
    { name: 'METRICS_PORT', value: config.metricsPort === undefined ? undefined : String(config.metricsPort) },
    { name: 'RATE_LIMIT_AUTH_MAX', value: String(config.rateLimit.max) },
    { name: 'RATE_LIMIT_WINDOW_SECONDS', value: String(config.rateLimit.windowMs / 1000) },
    { name: 'ORG_NAME', value: config.branding.orgName },
    { name: 'ORG_LOGO_URL', value: config.branding.logoUrl },
    { name: 'HELP_URL', value: config.branding.helpUrl },
    { name: 'PRIVACY_URL', value: config.branding.privacyUrl },
  ];
  return rows;
}
