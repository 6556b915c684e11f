import { createPrivateKey, KeyObject } from 'node:crypto';
import { ConfigError } from './errors.js';
import { describeCredential, parseClientCredential, type ClientCredential } from './auth/client-credential.js';
import { forwardEntryProblem } from './gateway/forwarded-headers.js';
import { maskUrlCredentials } from './url-credentials.js';
import { explainMalformedTenantId } from './auth/tenant-id.js';
import { registrationValue } from './auth/registration.js';
import { parseRedisStore, type RedisStoreConfig } from './redis/redis-config.js';
import { cookieNames } from './http/cookies.js';
import { BUILT_IN_GATED_PREFIXES, PATHS } from './http/paths.js';
import { parseBranding, type Branding } from './http/branding.js';
import { isLoopbackHost } from './http/loopback.js';

/**
 * The whole configuration surface of the product. Parsed once at start from an explicit env object
 * (never from `process.env` elsewhere), frozen, and handed to the factories that need it.
 */
export interface Config {
  readonly nodeEnv: 'production' | 'development' | 'test';
  readonly port: number;
  readonly logLevel: LogLevel;
  readonly trustProxy: number;
  readonly entra: {
    readonly tenantId: string;
    readonly clientId: string;
    /** Kept off enumerable/loggable paths: see `redactedConfig`. */
    readonly clientSecret: string;
    /** The one credential for the token endpoint (secret, certificate or federated token file). Hidden like the secret. */
    readonly credential: ClientCredential;
    readonly authorityHost: string;
    readonly authority: string;
    readonly discoveryUrl: URL;
    /** Plain http is only ever allowed for a loopback authority (the emulator). */
    readonly allowInsecureHttp: boolean;
    readonly scope: string;
    readonly httpTimeoutSeconds: number;
    /** The national cloud (ENTRA_CLOUD): it picks the default authority and Graph hosts. */
    readonly cloud: EntraCloud;
    /** Microsoft Graph origin for this cloud (groups overage); the emulator serves it on loopback. */
    readonly graphHost: string;
    /** ENTRA_TENANT_ID is organizations or common: the issuer is Entra's `{tenantid}` template. */
    readonly multiTenant: boolean;
    /** Lower-case tenant GUIDs whose users may sign in (ENTRA_ALLOWED_TENANTS); only in multi-tenant mode. */
    readonly allowedTenants: readonly string[];
  };
  readonly baseUrl: string;
  readonly redirectUri: string;
  readonly postLogoutRedirectUri: string;
  readonly frontchannelLogoutUri: string;
  readonly session: {
    readonly secrets: readonly string[];
    /** True when no SESSION_SECRET was given outside production: sessions end at restart. */
    readonly secretIsEphemeral: boolean;
    readonly cookieName: string;
    readonly secure: boolean;
    readonly idleTimeoutMs: number;
    readonly absoluteTimeoutMs: number;
    /** How often at most an active session's idle clock is written back (one store write per window). */
    readonly touchIntervalMs: number;
  };
  readonly loginTransaction: {
    readonly cookieName: string;
    readonly ttlMs: number;
    /** Pending sign-ins one client (rateLimit's client key) may hold; its oldest goes first (LOGIN_PENDING_PER_CLIENT). */
    readonly maxPerClient: number;
    /** Pending sign-ins in total, memory or Redis; the oldest go first (LOGIN_PENDING_MAX). */
    readonly maxPending: number;
  };
  readonly authorization: {
    /** App role value that opens /mha/admin (MHA_ADMIN_ROLE, default MHA.Admin). */
    readonly adminRole: string;
    /** When set (MHA_REQUIRED_ROLE), every /mha/ page and /api/ call needs this app role. */
    readonly requiredRole: string | undefined;
  };
  readonly errorPages: {
    /** SHOW_ERROR_DETAILS=true: Entra's technical detail on error pages for everyone (set-up time only). */
    readonly showDetails: boolean;
  };
  /** Gateway mode (an existing iLOGON_MHA backend behind the session gate) and /auth/check. */
  readonly gateway: GatewayConfig;
  /**
   * Every path prefix behind the session gate, lower case, computed once here: the built-in pages and API
   * (/mha, /api: src/http/paths.ts) and the gateway's UPSTREAM_PATHS. Who may open them: src/auth/access-policy.ts.
   */
  readonly gatedPrefixes: readonly string[];
  /** Where sessions, login transactions and rate-limit counters live. */
  readonly store: StoreConfig;
  /** A second port serving only GET /metrics (kept off the public port); undefined serves it on `port`. */
  readonly metricsPort: number | undefined;
  /**
   * Per client on /auth/login and /auth/callback; `max` 0 turns the limit off. A client is its IPv4 address, or
   * its IPv6 address cut to `ipv6PrefixBits` (RATE_LIMIT_IPV6_PREFIX): one subscriber holds a whole /64.
   */
  readonly rateLimit: { readonly max: number; readonly windowMs: number; readonly ipv6PrefixBits: number };
  readonly http: HttpLimits;
  /** The customer organisation on the pages (ORG_NAME, ORG_LOGO_URL, HELP_URL, PRIVACY_URL); all optional. */
  readonly branding: Branding;
}

/** The Redis variant is parsed in src/redis/redis-config.ts (REDIS_MODE: standalone, sentinel, cluster). */
export type StoreConfig = { readonly kind: 'memory' } | RedisStoreConfig;

export interface HttpLimits {
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Longer than any proxy's idle timeout towards us, so the proxy closes first (no reset races). */
  readonly keepAliveTimeoutMs: number;
  readonly maxHeaderBytes: number;
  readonly maxUrlBytes: number;
  /** How long SIGTERM waits for in-flight requests before closing them. */
  readonly shutdownTimeoutMs: number;
  /** How long /readyz reports "shutting down" before the listener closes, so the load balancer notices. */
  readonly shutdownDelayMs: number;
}

export const IDENTITY_HEADER_SETS = ['appservice', 'forwarded'] as const;
export type IdentityHeaderSet = (typeof IDENTITY_HEADER_SETS)[number];

export interface GatewayConfig {
  /** The backend's origin; undefined means the built-in MHA pages are served. */
  readonly upstreamUrl: string | undefined;
  /** Lower-case path prefixes (no trailing slash) forwarded to the upstream: /mha plus UPSTREAM_PATHS. */
  readonly paths: readonly string[];
  readonly timeoutMs: number;
  /** Forward our session and login cookies to the upstream (off: they are removed from Cookie). */
  readonly passCookies: boolean;
  /**
   * UPSTREAM_FORWARD_HEADERS: request headers forwarded besides the standard ones (lower case; a trailing
   * `*` for a prefix). Never an identity or routing header.
   */
  readonly forwardHeaders: readonly string[];
  readonly headerSets: readonly IdentityHeaderSet[];
  /** Signing key for X-MHA-Identity; `key` is non-enumerable (see hideSecrets). */
  readonly jwt: { readonly alg: 'HS256' | 'RS256'; readonly key: string } | undefined;
  /** The one header /auth/check reads the original URI from (AUTH_CHECK_URI_HEADER), lower case. */
  readonly authCheckUriHeader: string;
}

// This server's own routes: a prefix covering them would hand sign-in itself to the upstream.
const RESERVED_PREFIXES = ['/auth', PATHS.assets, PATHS.healthz, PATHS.readyz];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type Env = Readonly<Record<string, string | undefined>>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A verified domain as Entra accepts it in the authority path (contoso.com, contoso.onmicrosoft.com).
const DOMAIN = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const MULTI_TENANT_ALIASES = new Set(['common', 'organizations']);

/** Personal Microsoft accounts (outlook.com, live.com) all carry this tenant id. */
export const PERSONAL_ACCOUNTS_TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';

export const ENTRA_CLOUDS = {
  public: { authorityHost: 'https://login.microsoftonline.com', graphHost: 'https://graph.microsoft.com' },
  usgov: { authorityHost: 'https://login.microsoftonline.us', graphHost: 'https://graph.microsoft.us' },
  china: { authorityHost: 'https://login.partner.microsoftonline.cn', graphHost: 'https://microsoftgraph.chinacloudapi.cn' },
} as const;
export type EntraCloud = keyof typeof ENTRA_CLOUDS;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

export { isLoopbackHost } from './http/loopback.js';

/**
 * Parses and validates the environment. Every problem is collected so an admin fixes them in one go;
 * messages name the variable and what is expected, and never echo a secret.
 */
export function parseConfig(env: Env): Config {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name];
    if (raw === undefined) return undefined;
    const trimmed = raw.trim();
    return trimmed === '' ? undefined : trimmed;
  };

  const nodeEnvRaw = value('NODE_ENV') ?? 'development';
  let nodeEnv: Config['nodeEnv'] = 'development';
  if (nodeEnvRaw === 'production' || nodeEnvRaw === 'development' || nodeEnvRaw === 'test') {
    nodeEnv = nodeEnvRaw;
  } else {
    problems.push(`NODE_ENV: expected production, development or test (got "${nodeEnvRaw}")`);
  }
  const production = nodeEnv === 'production';

  const port = parseInteger(value('PORT'), 3000, 'PORT', 1, 65535, problems);

  const tenantId = value('ENTRA_TENANT_ID');
  if (tenantId === undefined) {
    problems.push('ENTRA_TENANT_ID: required; the Directory (tenant) ID from the app\'s Overview page in Entra (a GUID)');
  } else if (tenantId.toLowerCase() === 'consumers') {
    problems.push(
      'ENTRA_TENANT_ID: "consumers" signs in personal Microsoft accounts only; use your Directory (tenant) ID GUID, or organizations with ENTRA_ALLOWED_TENANTS',
    );
  } else if (MULTI_TENANT_ALIASES.has(tenantId.toLowerCase())) {
    // Multi-tenant: checked below, together with ENTRA_ALLOWED_TENANTS.
  } else if (!isGuid(tenantId) && !DOMAIN.test(tenantId)) {
    problems.push(`ENTRA_TENANT_ID: ${explainMalformedTenantId(tenantId)}`);
  }

  const clientId = value('ENTRA_CLIENT_ID');
  if (clientId === undefined) {
    problems.push('ENTRA_CLIENT_ID: required; the Application (client) ID from the app\'s Overview page in Entra (a GUID)');
  } else if (!isGuid(clientId)) {
    problems.push(`ENTRA_CLIENT_ID: expected the Application (client) ID, a GUID (got "${clientId}")`);
  }

  const clientSecret = value('ENTRA_CLIENT_SECRET');
  const credential = parseClientCredential(value, problems);
  if (clientSecret === undefined && credential === undefined && !problems.some((p) => p.startsWith('ENTRA_CLIENT_SECRET:'))) {
    problems.push(
      'ENTRA_CLIENT_SECRET: required; the client secret\'s Value from Certificates & secrets in Entra (or instead ENTRA_CLIENT_CERTIFICATE_PATH, or ENTRA_CLIENT_ASSERTION_FILE for workload identity)',
    );
  } else if (clientSecret !== undefined && isGuid(clientSecret)) {
    // The portal shows "Value" and "Secret ID" side by side; the ID is a GUID, a Value never is.
    problems.push(
      'ENTRA_CLIENT_SECRET: this looks like the secret\'s "Secret ID" (a GUID); copy the "Value" column instead (it is shown only once, right after creating the secret)',
    );
  }

  const cloudRaw = (value('ENTRA_CLOUD') ?? 'public').toLowerCase();
  let cloud: EntraCloud = 'public';
  if (Object.hasOwn(ENTRA_CLOUDS, cloudRaw)) {
    cloud = cloudRaw as EntraCloud;
  } else {
    problems.push(`ENTRA_CLOUD: expected public, usgov or china (got "${cloudRaw}"); each cloud needs its own app registration`);
  }
  const multiTenant = tenantId !== undefined && MULTI_TENANT_ALIASES.has(tenantId.toLowerCase());
  const allowedTenants = parseAllowedTenants(value('ENTRA_ALLOWED_TENANTS'), multiTenant, problems);

  let authorityHost: string = ENTRA_CLOUDS[cloud].authorityHost;
  let graphHost: string = ENTRA_CLOUDS[cloud].graphHost;
  let allowInsecureHttp = false;
  const authorityRaw = value('ENTRA_AUTHORITY_HOST');
  if (authorityRaw !== undefined) {
    const parsed = parseOrigin(authorityRaw);
    if (typeof parsed === 'string') {
      problems.push(`ENTRA_AUTHORITY_HOST: ${parsed} (got "${maskUrlCredentials(authorityRaw)}")`);
    } else if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
      problems.push(
        `ENTRA_AUTHORITY_HOST: must use https; plain http is allowed only for a loopback host such as the emulator (got "${maskUrlCredentials(authorityRaw)}")`,
      );
    } else {
      authorityHost = parsed.origin;
      allowInsecureHttp = parsed.protocol === 'http:';
      // The emulator serves Microsoft Graph next to its authority: a loopback authority implies it.
      if (isLoopbackHost(parsed.hostname)) graphHost = parsed.origin;
    }
  }
  const graphRaw = value('ENTRA_GRAPH_HOST');
  if (graphRaw !== undefined) {
    const parsed = parseOrigin(graphRaw);
    if (typeof parsed === 'string') {
      problems.push(`ENTRA_GRAPH_HOST: ${parsed} (got "${maskUrlCredentials(graphRaw)}")`);
    } else if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
      problems.push(`ENTRA_GRAPH_HOST: must use https; plain http is allowed only for a loopback host such as the emulator (got "${maskUrlCredentials(graphRaw)}")`);
    } else {
      graphHost = parsed.origin;
    }
  }

  let baseUrl = `http://localhost:${port}`;
  const baseRaw = value('BASE_URL');
  if (baseRaw === undefined && production) {
    // The localhost default would register a redirect URI no user can reach and name the wrong origin in
    // every redirect: in production the public origin must be stated, not guessed.
    problems.push(
      'BASE_URL: required when NODE_ENV=production; the public origin users type, e.g. https://mha.example.com (the redirect URI registered in Entra is BASE_URL/auth/callback)',
    );
  } else if (baseRaw !== undefined) {
    const parsed = parseOrigin(baseRaw);
    if (typeof parsed === 'string') {
      problems.push(`BASE_URL: ${parsed}, e.g. https://mha.example.com (got "${maskUrlCredentials(baseRaw)}")`);
    } else if (production && parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
      problems.push(
        `BASE_URL: must use https in production so the session cookie is Secure (got "${maskUrlCredentials(baseRaw)}"); terminate TLS at your proxy and set TRUST_PROXY`,
      );
    } else {
      baseUrl = parsed.origin;
    }
  }

  const secretsRaw = value('SESSION_SECRET');
  let secrets: string[] = [];
  let secretIsEphemeral = false;
  if (secretsRaw === undefined) {
    if (production) {
      problems.push('SESSION_SECRET: required when NODE_ENV=production; at least 32 random characters (e.g. `openssl rand -base64 48`)');
    } else {
      secretIsEphemeral = true;
    }
  } else {
    secrets = secretsRaw.split(',').map((s) => s.trim());
    secrets.forEach((secret, i) => {
      if (secret.length < 32) {
        problems.push(
          `SESSION_SECRET: ${secrets.length > 1 ? `entry ${i + 1} of the comma list` : 'the secret'} is ${secret.length} characters; at least 32 are required`,
        );
      }
    });
  }

  const trustProxyRaw = value('TRUST_PROXY');
  let trustProxy = 0;
  if (trustProxyRaw !== undefined && /^(true|false|yes|no|on|off)$/i.test(trustProxyRaw)) {
    problems.push(
      `TRUST_PROXY: expected the number of reverse proxies in front of the app (0, 1, 2...), not "${trustProxyRaw}"; "true" would let any client forge its address and scheme`,
    );
  } else {
    trustProxy = parseInteger(trustProxyRaw, 0, 'TRUST_PROXY', 0, 10, problems);
  }

  const logLevelRaw = (value('LOG_LEVEL') ?? 'info').toLowerCase();
  let logLevel: LogLevel = 'info';
  if ((LOG_LEVELS as readonly string[]).includes(logLevelRaw)) {
    logLevel = logLevelRaw as LogLevel;
  } else {
    problems.push(`LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')} (got "${logLevelRaw}")`);
  }

  const idleMinutes = parseInteger(value('SESSION_IDLE_TIMEOUT_MINUTES'), 480, 'SESSION_IDLE_TIMEOUT_MINUTES', 1, 43200, problems);
  const absoluteMinutes = parseInteger(
    value('SESSION_ABSOLUTE_TIMEOUT_MINUTES'),
    1440,
    'SESSION_ABSOLUTE_TIMEOUT_MINUTES',
    1,
    43200,
    problems,
  );
  if (idleMinutes > absoluteMinutes) {
    problems.push('SESSION_IDLE_TIMEOUT_MINUTES: must not exceed SESSION_ABSOLUTE_TIMEOUT_MINUTES');
  }

  if (baseUrl.startsWith('https:') && trustProxy === 0 && baseRaw !== undefined) {
    // The app speaks plain http; an https BASE_URL means a TLS proxy in front. Without trusting it,
    // express-session would silently never set the Secure cookie and every sign-in would loop.
    problems.push('TRUST_PROXY: BASE_URL is https, so a TLS-terminating proxy sits in front of the app; set TRUST_PROXY to the number of proxies (usually 1)');
  }

  const adminRole = parseRoleValue(value('MHA_ADMIN_ROLE'), 'MHA_ADMIN_ROLE', problems) ?? 'MHA.Admin';
  const requiredRole = parseRoleValue(value('MHA_REQUIRED_ROLE'), 'MHA_REQUIRED_ROLE', problems);
  const showDetailsRaw = value('SHOW_ERROR_DETAILS')?.toLowerCase();
  if (showDetailsRaw !== undefined && showDetailsRaw !== 'true' && showDetailsRaw !== 'false') {
    problems.push(`SHOW_ERROR_DETAILS: expected true or false (got "${value('SHOW_ERROR_DETAILS')}")`);
  }
  const gateway = parseGatewayConfig(value, baseUrl, problems);
  const store = parseStore(value, problems);
  const branding = parseBranding(value, problems);
  const metricsPortRaw = value('METRICS_PORT');
  const metricsPort = metricsPortRaw === undefined ? undefined : parseInteger(metricsPortRaw, 0, 'METRICS_PORT', 1, 65535, problems);
  if (metricsPort !== undefined && metricsPort === port) {
    problems.push(`METRICS_PORT: must differ from PORT (${port}); leave it unset to serve /metrics on PORT`);
  }
  const rateLimitMax = parseInteger(value('RATE_LIMIT_AUTH_MAX'), 120, 'RATE_LIMIT_AUTH_MAX', 0, 100_000, problems);
  const rateLimitWindow = parseInteger(value('RATE_LIMIT_WINDOW_SECONDS'), 60, 'RATE_LIMIT_WINDOW_SECONDS', 1, 3600, problems);
  const ipv6PrefixBits = parseInteger(value('RATE_LIMIT_IPV6_PREFIX'), 64, 'RATE_LIMIT_IPV6_PREFIX', 32, 128, problems);
  const pendingPerClient = parseInteger(value('LOGIN_PENDING_PER_CLIENT'), 100, 'LOGIN_PENDING_PER_CLIENT', 1, 100_000, problems);
  const pendingMax = parseInteger(value('LOGIN_PENDING_MAX'), 10_000, 'LOGIN_PENDING_MAX', 10, 1_000_000, problems);
  if (pendingPerClient > pendingMax) {
    problems.push(`LOGIN_PENDING_PER_CLIENT: must not exceed LOGIN_PENDING_MAX (${pendingMax}); one client could then fill the whole store`);
  }
  const shutdownTimeout = parseInteger(value('SHUTDOWN_TIMEOUT_SECONDS'), 10, 'SHUTDOWN_TIMEOUT_SECONDS', 1, 600, problems);
  const shutdownDelay = parseInteger(value('SHUTDOWN_DELAY_SECONDS'), 0, 'SHUTDOWN_DELAY_SECONDS', 0, 120, problems);
  // Every call to Entra (discovery, JWKS, token, Graph) gives up after this; a hung endpoint costs a sign-in this long.
  const entraTimeout = parseInteger(value('ENTRA_HTTP_TIMEOUT_SECONDS'), 10, 'ENTRA_HTTP_TIMEOUT_SECONDS', 1, 60, problems);

  if (problems.length > 0) throw new ConfigError(problems);

  const secure = baseUrl.startsWith('https:');
  const authority = `${authorityHost}/${multiTenant ? tenantId!.toLowerCase() : tenantId}/v2.0`;
  const idleTimeoutMs = idleMinutes * 60_000;
  const config: Config = {
    nodeEnv,
    port,
    logLevel,
    trustProxy,
    entra: {
      tenantId: multiTenant ? tenantId!.toLowerCase() : tenantId!,
      clientId: clientId!.toLowerCase(),
      // Empty when a certificate or a federated token authenticates the app instead.
      clientSecret: clientSecret ?? '',
      credential: credential!,
      authorityHost,
      authority,
      discoveryUrl: new URL(`${authority}/.well-known/openid-configuration`),
      allowInsecureHttp,
      scope: 'openid profile email',
      httpTimeoutSeconds: entraTimeout,
      cloud,
      graphHost,
      multiTenant,
      allowedTenants,
    },
    baseUrl,
    // What the admin registers in Entra: one table for the server, the doctor and the README (registration.ts).
    redirectUri: registrationValue(baseUrl, 'redirectUri'),
    postLogoutRedirectUri: registrationValue(baseUrl, 'postLogoutRedirectUri'),
    frontchannelLogoutUri: registrationValue(baseUrl, 'frontchannelLogoutUri'),
    session: {
      secrets: secretIsEphemeral ? [randomSecret()] : secrets,
      secretIsEphemeral,
      // __Host- over https (src/http/cookies.ts): no subdomain can plant it.
      cookieName: cookieNames(secure).session,
      secure,
      idleTimeoutMs,
      absoluteTimeoutMs: absoluteMinutes * 60_000,
      touchIntervalMs: Math.min(5 * 60_000, Math.floor(idleTimeoutMs / 10)),
    },
    loginTransaction: {
      cookieName: cookieNames(secure).loginTransaction,
      ttlMs: 10 * 60_000,
      maxPerClient: pendingPerClient,
      maxPending: pendingMax,
    },
    authorization: { adminRole, requiredRole },
    errorPages: { showDetails: showDetailsRaw === 'true' },
    gateway,
    gatedPrefixes: [...new Set([...BUILT_IN_GATED_PREFIXES, ...gateway.paths])],
    store: store!,
    metricsPort,
    rateLimit: { max: rateLimitMax, windowMs: rateLimitWindow * 1000, ipv6PrefixBits },
    http: {
      headersTimeoutMs: 20_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 65_000,
      maxHeaderBytes: 16 * 1024,
      maxUrlBytes: 8 * 1024,
      shutdownTimeoutMs: shutdownTimeout * 1000,
      shutdownDelayMs: shutdownDelay * 1000,
    },
    branding,
  };
  hideSecrets(config);
  return deepFreeze(config);
}

/** A summary safe to log or show: every value except the secrets. */
export function redactedConfig(config: Config): Record<string, unknown> {
  return {
    nodeEnv: config.nodeEnv,
    port: config.port,
    baseUrl: config.baseUrl,
    redirectUri: config.redirectUri,
    authority: config.entra.authority,
    tenantId: config.entra.tenantId,
    cloud: config.entra.cloud,
    graphHost: config.entra.graphHost,
    ...(config.entra.multiTenant ? { allowedTenants: config.entra.allowedTenants } : {}),
    clientId: config.entra.clientId,
    clientSecret: config.entra.clientSecret ? `(set, ${config.entra.clientSecret.length} characters)` : '(not used)',
    clientCredential: describeCredential(config.entra.credential),
    trustProxy: config.trustProxy,
    sessionCookie: config.session.cookieName,
    sessionIdleMinutes: config.session.idleTimeoutMs / 60_000,
    sessionAbsoluteMinutes: config.session.absoluteTimeoutMs / 60_000,
    adminRole: config.authorization.adminRole,
    requiredRole: config.authorization.requiredRole ?? null,
    showErrorDetails: config.errorPages.showDetails,
    upstreamUrl: config.gateway.upstreamUrl ?? '(none: built-in pages)',
    ...(config.gateway.upstreamUrl
      ? { upstreamPaths: config.gateway.paths, upstreamTimeoutMs: config.gateway.timeoutMs, upstreamForwardHeaders: config.gateway.forwardHeaders }
      : {}),
    identityHeaders: config.gateway.headerSets,
    identityToken: config.gateway.jwt ? `${config.gateway.jwt.alg} (key set)` : 'off',
    authCheckUriHeader: config.gateway.authCheckUriHeader,
    sessionStore:
      config.store.kind === 'redis'
        ? { kind: 'redis', ...(config.store.mode === 'standalone' ? {} : { mode: config.store.mode }), url: config.store.safeUrl, keyPrefix: config.store.keyPrefix }
        : { kind: 'memory' },
    metricsPort: config.metricsPort ?? config.port,
    rateLimit: config.rateLimit,
    pendingLogins: { perClient: config.loginTransaction.maxPerClient, total: config.loginTransaction.maxPending },
  };
}

/**
 * ENTRA_ALLOWED_TENANTS: required with organizations/common (without it any Entra tenant in the world could
 * sign in), meaningless otherwise (the single tenant is the allow-list), so both mistakes are reported.
 */
function parseAllowedTenants(raw: string | undefined, multiTenant: boolean, problems: string[]): string[] {
  if (!multiTenant) {
    if (raw !== undefined) problems.push('ENTRA_ALLOWED_TENANTS: only used when ENTRA_TENANT_ID is organizations or common; remove it, or switch to multi-tenant');
    return [];
  }
  if (raw === undefined) {
    problems.push(
      'ENTRA_ALLOWED_TENANTS: required when ENTRA_TENANT_ID is organizations or common; a comma list of the customer tenant IDs (GUIDs) allowed to sign in',
    );
    return [];
  }
  const entries = raw.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
  const bad = entries.filter((t) => !isGuid(t));
  if (entries.length === 0 || bad.length > 0) {
    problems.push(`ENTRA_ALLOWED_TENANTS: expected tenant IDs (GUIDs) separated by commas${bad.length > 0 ? `; not a GUID: ${bad.map((b) => `"${b}"`).join(', ')}` : ''}`);
    return [];
  }
  return [...new Set(entries.map((t) => t.toLowerCase()))];
}

/**
 * An app role *value* as Entra defines it (App roles > Value): no spaces, printable ASCII. The display name
 * ("MHA Administrators") is not what tokens carry, so a value with spaces is always a mistake.
 */
function parseRoleValue(raw: string | undefined, name: string, problems: string[]): string | undefined {
  if (raw === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,249}$/.test(raw)) {
    problems.push(`${name}: expected an app role Value as defined under App roles in Entra, without spaces, e.g. MHA.Admin (got "${raw}")`);
    return undefined;
  }
  return raw;
}

type ValueOf = (name: string) => string | undefined;

/**
 * Gateway mode: UPSTREAM_URL, UPSTREAM_PATHS, UPSTREAM_FORWARD_HEADERS, UPSTREAM_TIMEOUT_MS, PASS_COOKIES,
 * IDENTITY_HEADERS, UPSTREAM_JWT_KEY and AUTH_CHECK_URI_HEADER. The identity headers and the signed token also serve /auth/check, so they are read
 * whether or not an upstream is set.
 */
function parseGatewayConfig(value: ValueOf, baseUrl: string, problems: string[]): GatewayConfig {
  let upstreamUrl: string | undefined;
  const upstreamRaw = value('UPSTREAM_URL');
  if (upstreamRaw !== undefined) {
    const parsed = parseOrigin(upstreamRaw);
    if (typeof parsed === 'string') {
      problems.push(`UPSTREAM_URL: ${parsed}: the backend's origin, e.g. http://mha-backend:8080 (got "${maskUrlCredentials(upstreamRaw)}")`);
    } else if (parsed.origin === baseUrl) {
      problems.push(`UPSTREAM_URL: points at this server itself (BASE_URL ${baseUrl}); every request would loop. Use the backend's own address`);
    } else {
      upstreamUrl = parsed.origin;
    }
  }

  const paths: string[] = [PATHS.mha];
  const pathsRaw = value('UPSTREAM_PATHS');
  if (pathsRaw !== undefined && upstreamRaw === undefined) {
    problems.push('UPSTREAM_PATHS: only used together with UPSTREAM_URL; set UPSTREAM_URL or remove UPSTREAM_PATHS');
  } else if (pathsRaw !== undefined) {
    for (const entry of pathsRaw.split(',').map((p) => p.trim()).filter(Boolean)) {
      const prefix = entry.replace(/\/+$/, '').toLowerCase();
      if (!/^(\/[A-Za-z0-9._~!$&'()*+=:@-]+)+$/.test(entry.replace(/\/+$/, '')) || /(^|\/)\.\.?(\/|$)/.test(prefix)) {
        problems.push(`UPSTREAM_PATHS: "${entry}" is not a path prefix; expected absolute paths such as /reports,/files (no query, no "..", not "/")`);
      } else if (RESERVED_PREFIXES.some((r) => prefix === r || prefix.startsWith(`${r}/`) || r.startsWith(`${prefix}/`))) {
        problems.push(`UPSTREAM_PATHS: "${entry}" overlaps this server's own routes (${RESERVED_PREFIXES.join(', ')}); choose another prefix`);
      } else if (!paths.includes(prefix)) {
        paths.push(prefix);
      }
    }
  }

  const forwardHeaders: string[] = [];
  const forwardRaw = value('UPSTREAM_FORWARD_HEADERS');
  if (forwardRaw !== undefined && upstreamRaw === undefined) {
    problems.push('UPSTREAM_FORWARD_HEADERS: only used together with UPSTREAM_URL; set UPSTREAM_URL or remove UPSTREAM_FORWARD_HEADERS');
  } else if (forwardRaw !== undefined) {
    for (const entry of forwardRaw.split(',').map((e) => e.trim()).filter(Boolean)) {
      const problem = forwardEntryProblem(entry);
      if (problem) problems.push(`UPSTREAM_FORWARD_HEADERS: ${problem}; expected a comma list of your backend's own request headers, e.g. X-Tenant-Hint,X-Custom-*`);
      else if (!forwardHeaders.includes(entry.toLowerCase())) forwardHeaders.push(entry.toLowerCase());
    }
  }

  const timeoutMs = parseInteger(value('UPSTREAM_TIMEOUT_MS'), 30_000, 'UPSTREAM_TIMEOUT_MS', 100, 600_000, problems);

  let passCookies = false;
  const passRaw = value('PASS_COOKIES');
  if (passRaw !== undefined) {
    if (/^(true|1|yes|on)$/i.test(passRaw)) passCookies = true;
    else if (!/^(false|0|no|off)$/i.test(passRaw)) problems.push(`PASS_COOKIES: expected true or false (got "${passRaw}")`);
  }

  let headerSets: IdentityHeaderSet[] = [...IDENTITY_HEADER_SETS];
  const setsRaw = value('IDENTITY_HEADERS');
  if (setsRaw !== undefined) {
    const entries = setsRaw.toLowerCase().split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = entries.filter((e) => e !== 'none' && !(IDENTITY_HEADER_SETS as readonly string[]).includes(e));
    if (unknown.length > 0 || entries.length === 0 || (entries.includes('none') && entries.length > 1)) {
      problems.push(`IDENTITY_HEADERS: expected a comma list of ${IDENTITY_HEADER_SETS.join(', ')}, or none (got "${setsRaw}")`);
    } else {
      headerSets = IDENTITY_HEADER_SETS.filter((s) => entries.includes(s));
    }
  }

  let jwt: GatewayConfig['jwt'];
  const keyRaw = value('UPSTREAM_JWT_KEY');
  if (keyRaw !== undefined) {
    // A PEM pasted into an env file usually arrives with literal "\n" instead of line breaks.
    const key = keyRaw.replace(/\\n/g, '\n');
    if (key.startsWith('-----BEGIN')) {
      const problem = rsaKeyProblem(key);
      if (problem) problems.push(`UPSTREAM_JWT_KEY: ${problem}`);
      else jwt = { alg: 'RS256', key };
    } else if (key.length < 32) {
      problems.push(
        `UPSTREAM_JWT_KEY: a shared secret (HS256) needs at least 32 characters (got ${key.length}); or give an RSA private key in PEM for RS256`,
      );
    } else {
      jwt = { alg: 'HS256', key };
    }
  }

  // Traefik's forwardAuth always sends X-Forwarded-Uri; the README's nginx snippet sets it too (and clears
  // X-Original-URI), so one default serves both.
  let authCheckUriHeader = 'x-forwarded-uri';
  const uriHeaderRaw = value('AUTH_CHECK_URI_HEADER');
  if (uriHeaderRaw !== undefined) {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(uriHeaderRaw) || /^(host|cookie|authorization|content-length|transfer-encoding|connection)$/i.test(uriHeaderRaw)) {
      problems.push(`AUTH_CHECK_URI_HEADER: expected the header name your proxy puts the original URI in, e.g. X-Forwarded-Uri or X-Original-URI (got "${uriHeaderRaw}")`);
    } else {
      authCheckUriHeader = uriHeaderRaw.toLowerCase();
    }
  }

  return { upstreamUrl, paths, timeoutMs, passCookies, forwardHeaders, headerSets, jwt, authCheckUriHeader };
}

/** Why a PEM cannot sign RS256, or undefined when it can. Never echoes the key. */
function rsaKeyProblem(pem: string): string | undefined {
  let key;
  try {
    key = createPrivateKey(pem);
  } catch {
    return 'not a readable private key; expected an RSA private key in PEM (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY) for RS256';
  }
  if (key.asymmetricKeyType !== 'rsa') return `a ${key.asymmetricKeyType ?? 'non-RSA'} key; RS256 needs an RSA private key`;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) return `the RSA key has ${bits} bits; at least 2048 are required`;
  return undefined;
}

function parseInteger(
  raw: string | undefined,
  fallback: number,
  name: string,
  min: number,
  max: number,
  problems: string[],
): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    problems.push(`${name}: expected a whole number from ${min} to ${max} (got "${raw}")`);
    return fallback;
  }
  return Number(raw);
}

/** An http(s) origin with nothing after it; returns a reason string when it is not one. */
function parseOrigin(raw: string): URL | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'expected an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'expected an http(s) URL';
  if (url.username || url.password) return 'must not contain a user name or password';
  if (url.pathname !== '/' || url.search || url.hash) return 'expected only scheme, host and port, with no path, query or fragment';
  return url;
}

function randomSecret(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
}

// Secrets become non-enumerable so a stray `log.info(config)` or JSON.stringify cannot print them.
function hideSecrets(config: Config): void {
  Object.defineProperty(config.entra, 'clientSecret', { enumerable: false });
  Object.defineProperty(config.entra, 'credential', { enumerable: false });
  Object.defineProperty(config.session, 'secrets', { enumerable: false });
  if (config.gateway.jwt) Object.defineProperty(config.gateway.jwt, 'key', { enumerable: false });
  if (config.store.kind === 'redis') Object.defineProperty(config.store, 'url', { enumerable: false });
}

/** SESSION_STORE; with redis, its settings (the password in REDIS_URL or REDIS_PASSWORD is never echoed back). */
function parseStore(value: (name: string) => string | undefined, problems: string[]): StoreConfig | undefined {
  const kind = value('SESSION_STORE');
  const storeKind = (kind ?? 'memory').toLowerCase();
  if (storeKind !== 'memory' && storeKind !== 'redis') {
    problems.push(`SESSION_STORE: expected memory or redis (got "${kind}")`);
    return undefined;
  }
  if (storeKind === 'memory') {
    for (const name of ['REDIS_URL', 'REDIS_MODE', 'REDIS_SENTINELS', 'REDIS_SENTINEL_MASTER', 'REDIS_PASSWORD']) {
      if (value(name) !== undefined) problems.push(`${name}: set, but SESSION_STORE is not redis; set SESSION_STORE=redis to share sessions through Redis`);
    }
    return { kind: 'memory' };
  }
  return parseRedisStore(value, problems);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof URL) && !(value instanceof KeyObject)) {
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
    Object.freeze(value);
  }
  return value;
}
