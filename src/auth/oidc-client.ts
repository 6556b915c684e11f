import * as client from 'openid-client';
import type { Config } from '../config.js';
import { clientAuthFor } from './client-credential.js';
import { createAuthorityFetch } from '../perf/authority-fetch.js';
import { createTemplateIssuerGrant, type CodeGrant, type CodeGrantChecks, type CodeGrantResult } from './template-issuer-grant.js';
import { isGuid } from '../config.js';
import { ErrorCode, ServiceUnavailableError, SetupError, type AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { createCredentialMonitor, type CredentialCheckResult, type CredentialMonitor, type CredentialStatus } from './credential-monitor.js';
import { explainEntraAnswer, problemLogMessage, stepValuesOf, type SetupProblem } from './setup-problem.js';

export interface OidcClient {
  /** True once discovery has succeeded; until then sign-in answers 503 and /readyz is not ready. */
  readonly ready: boolean;
  /** Why discovery is not (yet) done, for /readyz and the logs; undefined when ready. */
  readonly notReadyReason: string | undefined;
  /**
   * The last discovery failure explained (undefined when ready or not tried yet). `permanent` means Entra
   * answered with an error (a tenant it does not know...): sign-in then answers "not set up correctly",
   * not "starting up", while discovery keeps retrying in the background.
   */
  readonly problem: SetupProblem | undefined;
  /**
   * The openid-client configuration. Before discovery completes it throws ServiceUnavailableError (503,
   * "starting up") while the cause may pass by itself, SetupError (500, "not set up correctly") when Entra
   * said the configuration is wrong.
   */
  configuration(): client.Configuration;
  /**
   * The tenant GUID read from the discovered issuer (the configured value may be a domain); in
   * multi-tenant mode the configured alias (organizations or common).
   */
  tenantGuid(): string;
  /** Tenants whose users may sign in: the single tenant, or ENTRA_ALLOWED_TENANTS in multi-tenant mode. */
  allowedTenants(): readonly string[];
  /** Redeems the authorization code and returns the validated id_token claims (and the access token, never stored). */
  exchangeCode(currentUrl: URL, checks: CodeGrantChecks): Promise<CodeGrantResult>;
  /**
   * The client credential as Entra last judged it (see credential-monitor.ts); undefined when this client
   * was made without `credentialCheck`.
   */
  readonly credential: CredentialStatus | undefined;
  /** Starts discovery in the background, retrying with backoff; never throws. */
  start(): void;
  /** Resolves when discovery has succeeded (for tests and dev tooling). */
  whenReady(): Promise<void>;
  stop(): void;
}

export interface OidcClientOptions {
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
  /** Observers for metrics: each discovery attempt's outcome, each fetch of the signing keys. */
  readonly onDiscovery?: (outcome: 'success' | 'failure') => void;
  readonly onJwksFetch?: () => void;
  /**
   * Checks the client credential once discovery has loaded, then periodically (the doctor's
   * client-credentials call, passed in by start.ts). Off when absent.
   */
  readonly credentialCheck?: {
    readonly check: (configuration: client.Configuration) => Promise<CredentialCheckResult>;
    readonly secretHint?: { readonly message: string; readonly fix: readonly string[] } | undefined;
    readonly intervalMs?: number;
    readonly retryMs?: number;
    readonly onVerdict?: (ok: boolean, atMs: number) => void;
  };
}

/** What to do when the discovered issuer is not the configured tenant's (shared with the doctor). */
export const ISSUER_FIX: readonly string[] = [
  'Use the Directory (tenant) ID GUID from the Overview page as ENTRA_TENANT_ID.',
  'Check ENTRA_AUTHORITY_HOST is the cloud your tenant lives in.',
];

/** A discovery answer that can only be fixed by changing the configuration; carries the explanation. */
class DiscoveryProblemError extends Error {
  readonly problem: SetupProblem;
  constructor(problem: SetupProblem) {
    super(problem.message);
    this.problem = problem;
  }
}

// Entra's error bodies are a few hundred bytes; anything bigger is not one and is not read further.
const ERROR_BODY_LIMIT = 16 * 1024;

const ISSUER_SHAPE = /^(?<host>https?:\/\/[^/]+)\/(?<tid>[0-9a-f-]{36}|\{tenantid\})\/v2\.0$/i;
const TEMPLATE = '{tenantid}';

export function createOidcClient(config: Config, logger: Logger, options: OidcClientOptions = {}): OidcClient {
  const retryInitialMs = options.retryInitialMs ?? 1000;
  const retryMaxMs = options.retryMaxMs ?? 60_000;
  const log = logger.child({ component: 'oidc' });

  let configuration: client.Configuration | undefined;
  let tenant: string | undefined;
  let templateGrant: CodeGrant | undefined;
  let notReadyReason: string | undefined = 'discovery has not completed yet';
  let problem: SetupProblem | undefined;
  let monitor: CredentialMonitor | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let resolveReady!: () => void;
  const readyPromise = new Promise<void>((resolve) => (resolveReady = resolve));

  const clientAuth = clientAuthFor(config.entra.credential, config.entra.clientId);
  // Every call to the authority (discovery, JWKS, token) goes through this one client and its connection pool.
  const authorityFetch = createAuthorityFetch();

  async function discover(): Promise<void> {
    const { entra } = config;
    const discovered = await client.discovery(
      entra.discoveryUrl,
      entra.clientId,
      {
        ...(entra.credential.kind === 'secret' ? { client_secret: entra.credential.secret } : {}),
        // Pinned: an id_token signed with anything else (none, HS256 with our secret) is refused.
        id_token_signed_response_alg: 'RS256',
      },
      clientAuth,
      {
        execute: entra.allowInsecureHttp ? [client.allowInsecureRequests] : [],
        timeout: entra.httpTimeoutSeconds,
        [client.customFetch]: authorityFetch,
      },
    );
    let issuerTenant: string;
    try {
      issuerTenant = tenantOfIssuer(discovered.serverMetadata().issuer, entra);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new DiscoveryProblemError({ check: 'discovery', permanent: true, title: 'The discovered issuer is not this tenant\'s', message, fix: ISSUER_FIX });
    }
    if (!discovered.serverMetadata().end_session_endpoint) {
      log.warn('the authority advertises no end_session_endpoint; sign-out will only end the local session');
    }
    // Token endpoint responses come over TLS, but we verify the id_token signature anyway (defence in depth).
    client.enableNonRepudiationChecks(discovered);
    const jwksUri = discovered.serverMetadata().jwks_uri;
    if (jwksUri) {
      const onJwksFetch = options.onJwksFetch;
      // Counted below the sharing, so the metric is real downloads. Every call still carries
      // openid-client's timeout signal in `init`.
      const download: client.CustomFetch = (url, init) => {
        onJwksFetch?.();
        return authorityFetch(url, init);
      };
      const jwksHref = new URL(jwksUri).href;
      discovered[client.customFetch] = shareConcurrentJwksFetches(jwksUri, (url, init) =>
        new URL(url).href === jwksHref ? download(url, init) : authorityFetch(url, init),
      );
    } else {
      discovered[client.customFetch] = authorityFetch;
    }
    discovered.timeout = entra.httpTimeoutSeconds;
    // openid-client fills Entra's {tenantid} template only when it resolves discovery itself on
    // login.microsoftonline.com; we discover from the full URL on any cloud (and the emulator), so the
    // template is handled in one place for every host. See template-issuer-grant.ts.
    templateGrant = entra.multiTenant
      ? createTemplateIssuerGrant({
          metadata: discovered.serverMetadata(),
          clientId: entra.clientId,
          clientAuth,
          allowInsecureRequests: entra.allowInsecureHttp,
          timeoutSeconds: entra.httpTimeoutSeconds,
          fetch: discovered[client.customFetch] ?? authorityFetch,
        })
      : undefined;
    configuration = discovered;
    tenant = issuerTenant === TEMPLATE ? entra.tenantId : issuerTenant;
  }

  function attempt(delayMs: number): void {
    discover()
      .then(() => {
        options.onDiscovery?.('success');
        if (problem?.permanent) log.info({ event: 'setup.resolved', check: 'discovery' }, 'discovery succeeded: the set-up problem is fixed');
        notReadyReason = undefined;
        problem = undefined;
        log.info({ issuer: configuration?.serverMetadata().issuer }, 'discovery loaded');
        resolveReady();
        startCredentialMonitor();
      })
      .catch(async (err: unknown) => {
        options.onDiscovery?.('failure');
        problem = await explainDiscoveryFailure(err);
        notReadyReason = problem.permanent ? `not set up correctly: ${problem.message}` : `discovery failed: ${problem.message}`;
        const fields = { check: 'discovery', url: config.entra.discoveryUrl.href, retryInMs: delayMs, err: describe(err) };
        if (problem.permanent) {
          // Loud and complete: with nobody able to sign in, this line is what the admin reads.
          log.error(
            { event: 'setup.problem', ...fields, aadsts: problem.aadsts, problem: problem.title, fix: problem.fix, helpLink: problem.helpLink },
            problemLogMessage('sign-in is not set up correctly (discovery keeps retrying)', problem),
          );
        } else {
          log.error(fields, 'discovery failed; will retry');
        }
        if (stopped) return;
        timer = setTimeout(() => attempt(Math.min(delayMs * 2, retryMaxMs)), delayMs);
        timer.unref();
      });
  }

  /**
   * Why discovery failed, in the doctor's words. Entra's error answer (AADSTS90002 for a tenant it does not
   * know) is read from the response openid-client keeps as the error's cause; a 4xx means the request itself
   * is wrong, so retrying alone will not help; no answer or a 5xx may pass by itself.
   */
  async function explainDiscoveryFailure(err: unknown): Promise<SetupProblem> {
    if (err instanceof DiscoveryProblemError) return err.problem;
    const url = config.entra.discoveryUrl.href;
    const response = err instanceof Error ? err.cause : undefined;
    if (response instanceof Response && response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
      const body = await readErrorBody(response);
      const answer = body ? explainEntraAnswer(body, stepValuesOf(config), `${url} answered HTTP ${response.status}`) : undefined;
      if (answer) return { check: 'discovery', permanent: true, ...answer };
      return {
        check: 'discovery',
        permanent: true,
        title: 'The authority has no discovery document at this address',
        message: `${url} answered HTTP ${response.status} without an OpenID discovery document`,
        fix: ['Check ENTRA_AUTHORITY_HOST: it must be an Entra authority such as https://login.microsoftonline.com.', 'Check ENTRA_TENANT_ID.'],
      };
    }
    return {
      check: 'discovery',
      permanent: false,
      title: 'Microsoft Entra ID cannot be reached',
      message: `${url}: ${describe(err)}`,
      fix: [
        `Check that this machine can reach ${config.entra.authorityHost} (firewall, outbound proxy, DNS).`,
        'Check ENTRA_AUTHORITY_HOST (default https://login.microsoftonline.com).',
      ],
    };
  }

  function startCredentialMonitor(): void {
    const options_ = options.credentialCheck;
    if (!options_ || monitor || stopped) return;
    monitor = createCredentialMonitor({
      check: () => options_.check(configuration!),
      logger,
      secretHint: options_.secretHint,
      ...(options_.intervalMs !== undefined ? { intervalMs: options_.intervalMs } : {}),
      ...(options_.retryMs !== undefined ? { retryMs: options_.retryMs } : {}),
      ...(options_.onVerdict ? { onVerdict: options_.onVerdict } : {}),
    });
    void monitor.checkNow();
  }

  function unavailable(): AppError {
    if (problem?.permanent) {
      return new SetupError(ErrorCode.signinNotConfigured, 'Sign-in is not set up correctly. Your administrator has been told.', {
        details: {
          ...(problem.error ? { error: problem.error } : {}),
          ...(problem.aadsts ? { aadsts: problem.aadsts } : {}),
          ...(problem.traceId ? { traceId: problem.traceId } : {}),
          ...(problem.correlationId ? { correlationId: problem.correlationId } : {}),
        },
      });
    }
    return new ServiceUnavailableError(ErrorCode.authorityUnavailable, 'Sign-in is starting up: Microsoft Entra ID cannot be reached yet.');
  }

  return {
    get ready() {
      return configuration !== undefined;
    },
    get notReadyReason() {
      return notReadyReason;
    },
    get problem() {
      return problem;
    },
    get credential() {
      if (!options.credentialCheck) return undefined;
      return monitor?.status ?? { state: 'unchecked' };
    },
    configuration() {
      if (!configuration) throw unavailable();
      return configuration;
    },
    tenantGuid() {
      if (!tenant) throw unavailable();
      return tenant;
    },
    allowedTenants() {
      return config.entra.multiTenant ? config.entra.allowedTenants : [this.tenantGuid()];
    },
    async exchangeCode(currentUrl, checks) {
      const current = this.configuration();
      if (templateGrant) return templateGrant(currentUrl, checks);
      const tokens = await client.authorizationCodeGrant(current, currentUrl, { ...checks, idTokenExpected: true });
      return { claims: tokens.claims(), access_token: tokens.access_token };
    },
    start() {
      stopped = false;
      attempt(retryInitialMs);
    },
    whenReady() {
      return readyPromise;
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      monitor?.stop();
    },
  };
}

/**
 * openid-client keeps the authority's signing keys for five minutes. Sign-ins that find that cache empty
 * at the same moment (right after start, or when it has just aged out) would each download the JWKS;
 * they share one download instead, each caller reading its own copy of the one response. The download
 * stays shared for a moment after it completes, until openid-client has read it into its cache (the
 * library refetches for an unknown key only when its copy is a minute old, so this never hides a
 * rotation). Every other request (discovery, token) passes straight through.
 */
export function shareConcurrentJwksFetches(jwksUri: string, fetchImpl: client.CustomFetch = fetch, holdMs = 1000): client.CustomFetch {
  const target = new URL(jwksUri).href;
  let inflight: Promise<Response> | undefined;
  // The hold is measured on the wall clock, not with a timer: a refetch that openid-client asks for
  // after its own 60 s JWKS age rule must never be answered from an earlier download.
  let heldUntil = Number.POSITIVE_INFINITY;
  return (url, options) => {
    if (options.method !== 'GET' || new URL(url).href !== target) return fetchImpl(url, options);
    if (inflight && Date.now() >= heldUntil) inflight = undefined;
    if (!inflight) {
      const request = fetchImpl(url, options);
      inflight = request;
      heldUntil = Number.POSITIVE_INFINITY;
      const releaseNow = () => {
        if (inflight === request) inflight = undefined;
      };
      // Only a usable key set is held for the moment after: a failed or garbled answer (an outage, a
      // hostile JWKS) must not be replayed to the next sign-in, which should try the network again.
      request.then(async (res) => {
        const usable = res.ok && (await res.clone().json().then((body: unknown) => Array.isArray((body as { keys?: unknown } | null)?.keys), () => false));
        if (!usable) releaseNow();
        else if (inflight === request) heldUntil = Date.now() + holdMs;
      }, releaseNow);
    }
    return inflight.then((res) => res.clone());
  };
}

/**
 * The tenant of a discovered issuer, which must be exactly `{authority host}/{tenant GUID}/v2.0` naming the
 * configured tenant when that is a GUID, or Entra's `{tenantid}` template (returned as such) in
 * multi-tenant mode. Throws a message for the admin otherwise. Shared with
 * the doctor, so a deployment it passes is one the server accepts.
 */
export function tenantOfIssuer(
  issuer: string,
  entra: { readonly authorityHost: string; readonly tenantId: string; readonly multiTenant: boolean },
): string {
  const match = ISSUER_SHAPE.exec(issuer);
  if (!match?.groups || match.groups['host'] !== entra.authorityHost) {
    throw new Error(
      `the discovered issuer "${issuer}" is not ${entra.authorityHost}/<tenant GUID>/v2.0; check ENTRA_AUTHORITY_HOST and ENTRA_TENANT_ID`,
    );
  }
  const issuerTenant = match.groups['tid']!.toLowerCase();
  if (entra.multiTenant !== (issuerTenant === TEMPLATE)) {
    throw new Error(
      entra.multiTenant
        ? `ENTRA_TENANT_ID is ${entra.tenantId} but the discovered issuer "${issuer}" names one tenant instead of Entra's ${TEMPLATE} template`
        : `the discovered issuer "${issuer}" is Entra's multi-tenant template; set ENTRA_TENANT_ID to your tenant GUID`,
    );
  }
  if (isGuid(entra.tenantId) && issuerTenant !== entra.tenantId.toLowerCase()) {
    throw new Error(`the discovered issuer names tenant ${issuerTenant}, not ENTRA_TENANT_ID ${entra.tenantId}`);
  }
  return issuerTenant;
}

/** The JSON object of an error answer, read at most ERROR_BODY_LIMIT bytes; undefined when it is not one. */
async function readErrorBody(response: Response): Promise<Record<string, unknown> | undefined> {
  try {
    const text = await response.text();
    if (text.length > ERROR_BODY_LIMIT) return undefined;
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A one-line, secret-free description of a discovery/network failure. */
export function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${typeof code === 'string' ? `${code} ` : ''}${err.message}${cause}`;
  }
  return String(err);
}
