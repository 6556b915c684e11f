/**
 * Set-up mistakes the emulator reproduces, the way Entra reports them, so every AADSTS mapping in
 * src/auth/entra-errors.ts is tested end to end (issue 5). Two kinds:
 *
 * - natural: what a wrong configuration causes by itself, no switch needed — an unknown tenant in the
 *   discovery path (AADSTS90002, in emulator.ts), an unknown client id (700016), a missing (7000218) or
 *   wrong (7000215) client secret, a client assertion signed by a certificate that is not uploaded (700027) or
 *   out of its time range (700024), a redirect URI that is not registered (50011, shown on the emulator's own
 *   page as Entra does: it never redirects to an unregistered URI), an unassigned user (50105, emulator.ts);
 * - injected through `emulator.faults`: an expired secret (7000222), any Entra error redirected back to the
 *   app from the authorization endpoint (consent required 65001, Conditional Access 53003...), a skewed
 *   clock, a tenant that lives in another cloud.
 *
 * The hostile-provider mode (security suite) lives elsewhere; this file is only about admin mistakes.
 */
import { randomUUID } from 'node:crypto';
import type { Express, NextFunction, Request, Response } from 'express';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';

export interface EmulatorFaults {
  /** The client's secret is past its expiry: a token request that authenticates with it gets AADSTS7000222. */
  secretExpired: boolean;
  /** The authorization endpoint redirects back to the (registered) redirect URI with this AADSTS error. */
  authorizeError: number | undefined;
  /** No user is assigned to the app ("Assignment required" with nobody assigned): every sign-in gets AADSTS50105. */
  usersUnassigned: boolean;
  /**
   * Seconds the emulator's clock is ahead (negative: behind): added to the `Date` header of every response, as
   * the doctor measures it, and to the id_token's iat/nbf/exp/auth_time, as the app's checks see it.
   */
  clockSkewSeconds: number;
  /** Advertised as `cloud_instance_name` in discovery: the tenant lives in that cloud. */
  cloudInstanceName: string | undefined;
  /** Back to a well-behaved tenant. */
  reset(): void;
}

export function createFaults(): EmulatorFaults {
  const faults: EmulatorFaults = {
    secretExpired: false,
    authorizeError: undefined,
    usersUnassigned: false,
    clockSkewSeconds: 0,
    cloudInstanceName: undefined,
    reset() {
      faults.secretExpired = false;
      faults.authorizeError = undefined;
      faults.usersUnassigned = false;
      faults.clockSkewSeconds = 0;
      faults.cloudInstanceName = undefined;
    },
  };
  return faults;
}

/** The OAuth `error` and a description like Entra's, for the codes an admin meets at sign-in. */
const REDIRECT_ERRORS: Record<number, { error: string; message: string }> = {
  50011: { error: 'invalid_request', message: 'The redirect URI specified in the request does not match the redirect URIs configured for the application.' },
  500113: { error: 'invalid_request', message: 'No reply address is registered for the application.' },
  9002325: { error: 'invalid_request', message: 'Proof Key for Code Exchange is required for cross-origin authorization code redemption.' },
  700016: { error: 'unauthorized_client', message: 'Application with identifier was not found in the directory.' },
  90002: { error: 'invalid_tenant', message: 'Tenant not found.' },
  50194: { error: 'invalid_request', message: 'Application is not configured as a multi-tenant application.' },
  700025: { error: 'invalid_client', message: 'Client is public so neither client_assertion nor client_secret should be presented.' },
  700054: { error: 'invalid_request', message: "response_type 'id_token' is not enabled for the application." },
  50105: { error: 'access_denied', message: 'The signed in user is not assigned to a role for the application.' },
  65001: { error: 'consent_required', message: 'The user or administrator has not consented to use the application.' },
  90094: { error: 'access_denied', message: 'The grant requires admin permission.' },
  50020: { error: 'access_denied', message: 'User account from identity provider does not exist in tenant and cannot access the application.' },
  50034: { error: 'access_denied', message: 'The user account does not exist in the directory.' },
  70011: { error: 'invalid_scope', message: 'The provided value for the input parameter scope is not valid.' },
  50058: { error: 'login_required', message: 'A silent sign-in request was sent but no user is signed in.' },
  50076: { error: 'interaction_required', message: 'Due to a configuration change made by your administrator, you must use multi-factor authentication.' },
  50079: { error: 'interaction_required', message: 'Due to a configuration change made by your administrator, you must enroll in multi-factor authentication.' },
  53003: { error: 'access_denied', message: 'Access has been blocked by Conditional Access policies.' },
  53000: { error: 'access_denied', message: 'Device is not in required device state: compliant.' },
  50126: { error: 'invalid_grant', message: 'Error validating credentials due to invalid username or password.' },
};

/** The body Entra's token and discovery endpoints return on failure. */
export function entraErrorBody(error: string, code: number, message: string): Record<string, unknown> {
  const trace = randomUUID();
  const correlation = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return {
    error,
    error_description: `AADSTS${code}: ${message} Trace ID: ${trace} Correlation ID: ${correlation} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: trace,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  };
}

export interface FaultContext {
  readonly tenantId: string;
  readonly clients: ReadonlyArray<{ readonly client_id: string; readonly redirect_uris: readonly string[] }>;
  readonly faults: EmulatorFaults;
}

/** Express middleware, before oidc-provider: the Date skew and the injected authorization errors. */
export function installFaultMiddleware(app: Express, ctx: FaultContext): void {
  app.use((_req: Request, res: Response, next: NextFunction) => {
    if (ctx.faults.clockSkewSeconds !== 0) {
      res.setHeader('Date', new Date(Date.now() + ctx.faults.clockSkewSeconds * 1000).toUTCString());
    }
    next();
  });
  app.get(`/${ctx.tenantId}/oauth2/v2.0/authorize`, (req: Request, res: Response, next: NextFunction) => {
    const code = ctx.faults.authorizeError;
    if (code === undefined) return next();
    const query = new URLSearchParams(req.originalUrl.slice(req.originalUrl.indexOf('?') + 1));
    const client = ctx.clients.find((c) => c.client_id === query.get('client_id'));
    const redirectUri = query.get('redirect_uri');
    // Like Entra, never redirect anywhere that is not registered: let the provider show its error page.
    if (!client || !redirectUri || !client.redirect_uris.includes(redirectUri)) return next();
    const known = REDIRECT_ERRORS[code] ?? { error: 'invalid_request', message: 'Injected error.' };
    const body = entraErrorBody(known.error, code, known.message);
    const target = new URL(redirectUri);
    target.searchParams.set('error', known.error);
    target.searchParams.set('error_description', String(body['error_description']));
    target.searchParams.set('error_uri', String(body['error_uri']));
    const state = query.get('state');
    if (state !== null) target.searchParams.set('state', state);
    res.redirect(302, target.href);
  });
}

/**
 * Koa middleware inside oidc-provider: its generic client-authentication failures become Entra's
 * specific AADSTS answers, an expired secret is enforced, and discovery gains Entra's cloud fields.
 */
export function installProviderFaults(provider: Provider, ctx: FaultContext): void {
  provider.use(async (koa, next) => {
    await next();
    const k = koa as KoaContextWithOIDC;
    const route = k.oidc?.route;
    if (route === 'discovery') {
      const body = k.body as Record<string, unknown>;
      body['msgraph_host'] = 'graph.microsoft.com';
      if (ctx.faults.cloudInstanceName) body['cloud_instance_name'] = ctx.faults.cloudInstanceName;
      return;
    }
    if (route !== 'token') return;
    const params = (k.oidc.body ?? {}) as Record<string, unknown>;
    const clientId = typeof params['client_id'] === 'string' ? params['client_id'] : (k.oidc as unknown as { authorization?: { clientId?: string } }).authorization?.clientId;
    const failed = k.status === 401 || (k.status === 400 && (k.body as { error?: string } | undefined)?.error === 'invalid_client');
    if (failed) {
      const sentSecret = typeof params['client_secret'] === 'string' || /^basic /i.test(k.get('authorization'));
      if (!k.oidc.client) {
        answer(k, 400, entraErrorBody('unauthorized_client', 700016, `Application with identifier '${clientId ?? ''}' was not found in the directory '${ctx.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`));
      } else if (typeof params['client_assertion'] === 'string') {
        // A certificate or federated assertion: out of its time range is 700024, anything else (a thumbprint
        // that is not uploaded, a signature by another key, a wrong aud) is 700027, as Entra answers.
        const exp = assertionExpiry(params['client_assertion']);
        if (exp !== undefined && exp * 1000 < Date.now()) {
          answer(k, 401, entraErrorBody('invalid_client', 700024, 'Client assertion is not within its valid time range.'));
        } else {
          answer(k, 401, entraErrorBody('invalid_client', 700027, `The certificate with identifier used to sign the client assertion is not registered on application '${clientId ?? ''}', or the client assertion failed signature validation.`));
        }
      } else if (!sentSecret) {
        answer(k, 401, entraErrorBody('invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."));
      } else {
        answer(k, 401, entraErrorBody('invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId ?? ''}'.`));
      }
      return;
    }
    if (ctx.faults.secretExpired && k.status === 200) {
      answer(k, 401, entraErrorBody('invalid_client', 7000222, `The provided client secret keys for app '${clientId ?? ''}' are expired. Visit the Azure portal to create new keys for your app.`));
    }
  });
}

function assertionExpiry(assertion: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp : undefined;
  } catch {
    return undefined;
  }
}

function answer(k: KoaContextWithOIDC, status: number, body: Record<string, unknown>): void {
  k.status = status;
  k.remove('www-authenticate');
  k.type = 'application/json';
  k.body = body;
}

/**
 * Entra shows errors it cannot send back to the app (unknown client, unregistered redirect URI) on its own
 * page, with the AADSTS code. The emulator does the same, from oidc-provider's error.
 */
export function entraErrorPageCode(out: { error?: string; error_description?: string }): number | undefined {
  if (out.error === 'invalid_redirect_uri' || /redirect_uri/i.test(out.error_description ?? '')) return 50011;
  if (out.error === 'invalid_client') return 700016;
  return undefined;
}
