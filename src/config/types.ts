import type { ClientCredential } from '../auth/client-credential.js';
import type { RedisStoreConfig } from '../redis/redis-config.js';
import type { Branding } from '../http/branding.js';
import type { ConfigWarning } from './typos.js';

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
    /**
     * The secret of `credential` when it is one, else '' (a certificate or federated token authenticates the app).
     * Derived, not stored: a non-enumerable getter over `credential`, so the secret is held once.
     */
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
  /** The customer organisation on the pages (ORG_NAME, ORG_LOGO_URL, HELP_URL, PRIVACY_URL; branding.ts); all optional. */
  readonly branding: Branding;
  /** Variables in the environment that look like typos of ours (typos.ts): logged at start and by the doctor. */
  readonly warnings: readonly ConfigWarning[];
}

/** The Redis variant is parsed in src/redis/redis-config.ts, called from session.ts (REDIS_MODE: standalone, sentinel, cluster). */
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


export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const ENTRA_CLOUDS = {
  public: { authorityHost: 'https://login.microsoftonline.com', graphHost: 'https://graph.microsoft.com' },
  usgov: { authorityHost: 'https://login.microsoftonline.us', graphHost: 'https://graph.microsoft.us' },
  china: { authorityHost: 'https://login.partner.microsoftonline.cn', graphHost: 'https://microsoftgraph.chinacloudapi.cn' },
} as const;
export type EntraCloud = keyof typeof ENTRA_CLOUDS;
