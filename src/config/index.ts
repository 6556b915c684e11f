import { KeyObject } from 'node:crypto';
import { ConfigError } from '../errors.js';
import { describeCredential } from '../auth/client-credential.js';
import { registrationValue } from '../auth/registration.js';
import { cookieNames } from '../http/cookies.js';
import { BUILT_IN_GATED_PREFIXES } from '../http/paths.js';
import { Reader, renderProblem, type Env } from './reader.js';
import { SERVER_VARIABLES, readOrigin, readProcess } from './server.js';
import { ENTRA_VARIABLES, readEntra } from './entra.js';
import { SESSION_VARIABLES, readSessionClocks, readSessionSecrets, readStore } from './session.js';
import { GATEWAY_VARIABLES, readGateway } from './gateway.js';
import { BRANDING_VARIABLES, readBranding } from './branding.js';
import { LIMITS_VARIABLES, readLimits } from './limits.js';
import { typoWarnings } from './typos.js';
import type { Config } from './types.js';

export * from './types.js';
export { isGuid, PERSONAL_ACCOUNTS_TENANT, type EntraSection } from './entra.js';
export { problemFromLine, renderProblem, Reader, type ConfigProblem, type Env } from './reader.js';
// Callers have always found it here; it lives in the HTTP kit, which config and the pages both read.
export { isLoopbackHost } from '../http/loopback.js';
export { typoWarnings, levenshtein, type ConfigWarning } from './typos.js';

/** Every variable parseConfig reads, section by section: the typo catcher's dictionary. */
export const CONFIG_VARIABLES: readonly string[] = [
  ...SERVER_VARIABLES,
  ...ENTRA_VARIABLES,
  ...SESSION_VARIABLES,
  ...GATEWAY_VARIABLES,
  ...BRANDING_VARIABLES,
  ...LIMITS_VARIABLES,
];
const KNOWN = new Set(CONFIG_VARIABLES);

/**
 * Parses and validates the environment. Every problem is collected so an admin fixes them in one go;
 * messages name the variable and what is expected, and never echo a secret. Reads nothing but `env`, except
 * the certificate files ENTRA_CLIENT_CERTIFICATE_PATH names (see README.md, "Key material").
 */
export function parseConfig(env: Env): Config {
  const r = new Reader(env, KNOWN);
  // The order of these calls is the order problems are listed in.
  const runtime = readProcess(r);
  const entra = readEntra(r);
  const server = readOrigin(r, runtime);
  const production = server.nodeEnv === 'production';
  const { secrets, secretIsEphemeral } = readSessionSecrets(r, production);
  const { idleMinutes, absoluteMinutes } = readSessionClocks(r);
  const gateway = readGateway(r, server.baseUrl);
  const store = readStore(r);
  const branding = readBranding(r);
  const limits = readLimits(r);
  const warnings = typoWarnings(env, CONFIG_VARIABLES);

  if (r.problems.length > 0 || !entra || !store) throw new ConfigError(r.problems.map(renderProblem), { issues: r.problems, warnings });

  const secure = server.baseUrl.startsWith('https:');
  const authority = `${entra.cloud.authorityHost}/${entra.tenant.id}/v2.0`;
  const idleTimeoutMs = idleMinutes * 60_000;
  const { baseUrl } = server;
  const config: Config = {
    nodeEnv: server.nodeEnv,
    port: server.port,
    logLevel: server.logLevel,
    trustProxy: server.trustProxy,
    entra: {
      tenantId: entra.tenant.id,
      clientId: entra.client.id,
      clientSecret: '', // replaced by the getter below
      credential: entra.credential,
      authorityHost: entra.cloud.authorityHost,
      authority,
      discoveryUrl: new URL(`${authority}/.well-known/openid-configuration`),
      allowInsecureHttp: entra.cloud.allowInsecureHttp,
      scope: 'openid profile email',
      httpTimeoutSeconds: entra.cloud.httpTimeoutSeconds,
      cloud: entra.cloud.name,
      graphHost: entra.cloud.graphHost,
      multiTenant: entra.tenant.multiTenant,
      allowedTenants: entra.tenant.allowedTenants,
    },
    baseUrl,
    // What the admin registers in Entra: one table for the server, the doctor and the README (registration.ts).
    redirectUri: registrationValue(baseUrl, 'redirectUri'),
    postLogoutRedirectUri: registrationValue(baseUrl, 'postLogoutRedirectUri'),
    frontchannelLogoutUri: registrationValue(baseUrl, 'frontchannelLogoutUri'),
    session: {
      secrets,
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
      maxPerClient: limits.pendingPerClient,
      maxPending: limits.pendingMax,
    },
    authorization: { adminRole: entra.roles.admin, requiredRole: entra.roles.required },
    errorPages: { showDetails: server.showErrorDetails },
    gateway,
    gatedPrefixes: [...new Set([...BUILT_IN_GATED_PREFIXES, ...gateway.paths])],
    store,
    metricsPort: server.metricsPort,
    rateLimit: limits.rateLimit,
    http: {
      headersTimeoutMs: 20_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 65_000,
      maxHeaderBytes: 16 * 1024,
      maxUrlBytes: 8 * 1024,
      shutdownTimeoutMs: limits.shutdownTimeoutMs,
      shutdownDelayMs: limits.shutdownDelayMs,
    },
    branding,
    warnings,
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

// Secrets become non-enumerable so a stray `log.info(config)` or JSON.stringify cannot print them. The client
// secret is not a second copy: a getter over the credential, the one place it is held.
function hideSecrets(config: Config): void {
  const credential = config.entra.credential;
  Object.defineProperty(config.entra, 'clientSecret', { enumerable: false, get: () => (credential.kind === 'secret' ? credential.secret : '') });
  Object.defineProperty(config.entra, 'credential', { enumerable: false });
  Object.defineProperty(config.session, 'secrets', { enumerable: false });
  if (config.gateway.jwt) Object.defineProperty(config.gateway.jwt, 'key', { enumerable: false });
  if (config.store.kind === 'redis') Object.defineProperty(config.store, 'url', { enumerable: false });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof URL) && !(value instanceof KeyObject)) {
    for (const key of Reflect.ownKeys(value)) {
      // Getters (entra.clientSecret) are frozen with their object; reading them here would copy nothing useful.
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor && 'value' in descriptor) deepFreeze(descriptor.value);
    }
    Object.freeze(value);
  }
  return value;
}
