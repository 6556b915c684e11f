/**
 * A local stand-in for Microsoft Entra ID v2.0, built on panva's oidc-provider (a certified OpenID
 * Provider). It reproduces what this product depends on: Entra's URL shapes (`/{tenant}/v2.0` issuer,
 * `/{tenant}/oauth2/v2.0/*` endpoints, `/{tenant}/discovery/v2.0/keys`), Entra's id_token claims (`ver`,
 * `tid`, `oid`, pairwise `sub`, `roles`, `sid`, `login_hint`) and Entra-style error redirects
 * (`AADSTSnnnnn:` descriptions with trace and correlation ids).
 *
 * Used by `npm run dev` and by the tests; never part of the production build (src/dev is excluded).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import Provider, { interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { exportJWK, generateKeyPair, SignJWT, type JWTHeaderParameters } from 'jose';
import { createFaults, entraErrorBody, entraErrorPageCode, installFaultMiddleware, installProviderFaults, type EmulatorFaults } from './emulator-faults.js';
import { createHostile, type Hostile } from './hostile.js';
import { certificateJwk, certificateThumbprintCheck, installCredentialChecks, markAlias, uploadedCertificate, type UploadedCertificate } from './emulator-credentials.js';

export const EMULATOR_TENANT_ID = '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71';
export const EMULATOR_CLIENT_ID = '0c6b8f3e-2d4a-4e9b-8f7c-1a2b3c4d5e6f';
export const EMULATOR_CLIENT_SECRET = 'emulator~secret.value_do-not-use-in-production';

export interface EmulatorUser {
  /** Login name shown on the picker, e.g. B.Simon@contoso.com */
  readonly username: string;
  readonly name: string;
  readonly oid: string;
  readonly email?: string;
  readonly roles?: readonly string[];
  /** false reproduces "Assignment required" with the user not assigned (AADSTS50105). */
  readonly assigned?: boolean;
  /** The user's tenant (`tid`); defaults to the emulator's tenant. Others sign in only via organizations/common. */
  readonly tenantId?: string;
  /** Test-only forgery: the id_token's `iss` names this tenant while `tid` names the user's own. */
  readonly issuerTenantId?: string;
  /** Group object ids; over 200 the id_token carries the overage (`_claim_names`) and Graph serves them. */
  readonly groups?: readonly string[];
}

/** Entra stops listing groups in the id_token above this many and sends the overage instead. */
export const GROUPS_OVERAGE_LIMIT = 200;
const groupId = (i: number) => `0a0b0c0d-0000-4000-8000-${String(i).padStart(12, '0')}`;
/** One group of the overage user, and one of the small-group user: what tests gate on. */
export const SAMPLE_GROUP_ID = groupId(7);

/** Users with group claims: G.Few (3 groups, in the token) and G.Many (250 groups: the overage). */
export const GROUP_USERS: readonly EmulatorUser[] = [
  { username: 'G.Few@contoso.com', name: 'G.Few', oid: '3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b55', groups: [groupId(1), groupId(2), SAMPLE_GROUP_ID] },
  { username: 'G.Many@contoso.com', name: 'G.Many', oid: '4d3c2b1a-0f9e-4e7d-8c6b-5a4f3e2d1c66', groups: Array.from({ length: 250 }, (_, i) => groupId(i + 1)) },
];

/** Tenants of the multi-tenant users below; the personal-account tenant is Entra's fixed one. */
export const FABRIKAM_TENANT_ID = 'b7e6c0d4-2f1a-4c3b-9e8d-7a6f5e4d3c21';
export const WOODGROVE_TENANT_ID = 'c3d2e1f0-9a8b-4c7d-8e6f-5a4b3c2d1e09';
export const PERSONAL_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

/** Users from other tenants, for multi-tenant tests: add them with `users: [...DEFAULT_USERS, ...OTHER_TENANT_USERS]`. */
export const OTHER_TENANT_USERS: readonly EmulatorUser[] = [
  { username: 'F.Fabrikam@fabrikam.com', name: 'F.Fabrikam', oid: '5d4c3b2a-1f0e-4d9c-8b7a-6e5d4c3b2a11', email: 'F.Fabrikam@fabrikam.com', tenantId: FABRIKAM_TENANT_ID },
  { username: 'W.Woodgrove@woodgrove.com', name: 'W.Woodgrove', oid: '7e6d5c4b-3a2f-4e1d-9c8b-7a6f5e4d3c22', email: 'W.Woodgrove@woodgrove.com', tenantId: WOODGROVE_TENANT_ID },
  { username: 'P.Personal@outlook.com', name: 'P.Personal', oid: '00000000-0000-0000-4a3b-2c1d0e9f8a33', email: 'P.Personal@outlook.com', tenantId: PERSONAL_TENANT_ID },
  // A token whose iss names Fabrikam while its tid names Contoso: what a confused or hostile issuer would send.
  { username: 'X.Forged@fabrikam.com', name: 'X.Forged', oid: '8f7e6d5c-4b3a-4f2e-8d1c-0b9a8f7e6d44', tenantId: EMULATOR_TENANT_ID, issuerTenantId: FABRIKAM_TENANT_ID },
];

/** Entra's multi-tenant authorities: their discovery names the `{tenantid}` issuer template. */
const MULTI_TENANT_ALIASES = ['organizations', 'common'];

export const DEFAULT_USERS: readonly EmulatorUser[] = [
  {
    username: 'B.Simon@contoso.com',
    name: 'B.Simon',
    oid: '6f1d0e6a-3b1f-4a52-9d7e-0c2a9b8e4d11',
    email: 'B.Simon@contoso.com',
    roles: [],
  },
  {
    username: 'A.Admin@contoso.com',
    name: 'A.Admin',
    oid: '2b7c4e91-8d3a-4f60-b1e2-5a9c7d3f8e22',
    email: 'A.Admin@contoso.com',
    roles: ['MHA.Admin'],
  },
  {
    username: 'U.Unassigned@contoso.com',
    name: 'U.Unassigned',
    oid: '9a3e5c71-4b2d-4e8f-a6c1-3d7b9e1f5a33',
    email: 'U.Unassigned@contoso.com',
    assigned: false,
  },
];

export interface EmulatorClient {
  readonly client_id: string;
  readonly client_secret: string;
  /** More valid secrets at start (Entra allows several per app: the overlap of a rotation). */
  readonly additional_client_secrets?: readonly string[];
  readonly redirect_uris: readonly string[];
  readonly post_logout_redirect_uris: readonly string[];
  /**
   * 'private_key_jwt' models a certificate uploaded to the app registration (its public key in `jwks`) and
   * workload-identity federation (the federated token is verified the same way: signature, aud, exp, jti).
   */
  readonly token_endpoint_auth_method?: 'client_secret_post' | 'private_key_jwt';
  readonly jwks?: { readonly keys: readonly Record<string, unknown>[] };
  /**
   * PEM certificates uploaded to the app registration: their keys join `jwks`, and an assertion whose
   * `x5t#S256`/`x5t` header names none of them (or that another key signed) is refused with AADSTS700027.
   */
  readonly certificates?: readonly string[];
  /** Entra's "Front-channel logout URL": loaded in a hidden iframe with `?sid=` when the user signs out. */
  readonly frontchannel_logout_uri?: string;
}

export interface EmulatorOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly tenantId?: string;
  /** Domains verified in the tenant (default: contoso.onmicrosoft.com): ENTRA_TENANT_ID may name one instead of the GUID. */
  readonly domains?: readonly string[];
  readonly clients: readonly EmulatorClient[];
  readonly users?: readonly EmulatorUser[];
}

export interface Emulator {
  /** e.g. http://127.0.0.1:3001 — what ENTRA_AUTHORITY_HOST is set to. */
  readonly authorityHost: string;
  readonly tenantId: string;
  readonly issuer: string;
  readonly users: readonly EmulatorUser[];
  /** While false, every request answers 503 (an Entra outage or unreachable network). */
  available: boolean;
  /** While false, the emulator's Microsoft Graph answers 503 (the groups overage cannot be resolved). */
  graphAvailable: boolean;
  /** What an admin answers on the admin-consent page (`/{tenant}/v2.0/adminconsent`). */
  adminConsent: 'grant' | 'deny';
  /**
   * The valid client secrets of each app, live: add the new secret, move the app to it, delete the old
   * one (a rotation); a token request with a deleted secret gets AADSTS7000215.
   */
  readonly clientSecrets: Map<string, Set<string>>;
  /**
   * Domains verified in the tenant, live (lower case): discovery under one answers as under the tenant
   * GUID, as Entra does; any other domain or GUID gets AADSTS90002. Adding one is an admin verifying it.
   */
  readonly domains: Set<string>;
  /** Requests seen per path, for tests that count discovery/JWKS/token calls. */
  readonly hits: Map<string, number>;
  /** Set-up mistakes on demand (expired secret, an Entra error at authorize, clock skew...): emulator-faults.ts. */
  readonly faults: EmulatorFaults;
  /** Per-test misbehaviour of discovery, JWKS and token endpoints (see hostile.ts); off by default. */
  readonly hostile: Hostile;
  close(): Promise<void>;
}

/** The emulator could not listen (EADDRINUSE: the port is taken); names the address. */
export class EmulatorListenError extends Error {
  readonly code: string | undefined;
  readonly port: number;
  constructor(host: string, port: number, cause: Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    super(`the Entra emulator cannot listen on ${host}:${port}: ${code === 'EADDRINUSE' ? 'the port is already in use' : cause.message}`, { cause });
    this.name = 'EmulatorListenError';
    this.code = code;
    this.port = port;
  }
}

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const host = options.host ?? '127.0.0.1';
  const tenantId = options.tenantId ?? EMULATOR_TENANT_ID;
  const users = options.users ?? DEFAULT_USERS;

  const app = express();
  app.disable('x-powered-by');
  // Express 5 hands a listen error (a port in use) to this callback; without the check, the address of a
  // server that is not listening is null and the next line dies with a TypeError naming no port.
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? 0, host, (err?: Error) => (err ? reject(new EmulatorListenError(host, options.port ?? 0, err)) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  const authorityHost = `http://${host}:${port}`;
  const issuer = `${authorityHost}/${tenantId}/v2.0`;

  // Entra's `sub` is pairwise: the same user has a different sub in each app; oid is the stable key.
  const subFor = (user: EmulatorUser, clientId: string) =>
    createHash('sha256').update(`${user.oid}:${clientId}`).digest('base64url').slice(0, 43);
  const bySub = new Map<string, EmulatorUser>();
  for (const client of options.clients) for (const user of users) bySub.set(subFor(user, client.client_id), user);

  const frontchannelUris = new Map<string, string>();
  for (const client of options.clients) if (client.frontchannel_logout_uri) frontchannelUris.set(client.client_id, client.frontchannel_logout_uri);

  const clientSecrets = new Map(options.clients.map((c) => [c.client_id, new Set([c.client_secret, ...(c.additional_client_secrets ?? [])])]));
  const certificates = new Map<string, UploadedCertificate[]>(options.clients.map((c) => [c.client_id, (c.certificates ?? []).map(uploadedCertificate)]));

  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };

  const configuration: Configuration = {
    clients: options.clients.map((c) => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      redirect_uris: [...c.redirect_uris],
      post_logout_redirect_uris: [...c.post_logout_redirect_uris],
      // client_credentials: what the doctor uses to prove the client id and secret work.
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types: ['code'],
      token_endpoint_auth_method: c.token_endpoint_auth_method ?? 'client_secret_post',
      ...(c.jwks || c.certificates
        ? { jwks: { keys: [...(c.jwks?.keys ?? []).map((k) => ({ ...k })), ...certificates.get(c.client_id)!.map(certificateJwk)] } }
        : {}),
      id_token_signed_response_alg: 'RS256',
    })),
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomUUID()] },
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub', 'tid', 'oid', 'ver', 'roles', 'login_hint', 'groups'],
      profile: ['name', 'preferred_username'],
      email: ['email'],
    },
    async findAccount(_ctx, sub) {
      const user = bySub.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            ver: '2.0',
            tid: user.tenantId ?? tenantId,
            // Not a listed claim, so never in a token: read by the IdToken patch below to pick `iss`.
            emulator_iss_tid: user.issuerTenantId ?? user.tenantId ?? tenantId,
            oid: user.oid,
            name: user.name,
            preferred_username: user.username,
            ...(user.email ? { email: user.email } : {}),
            ...(user.roles && user.roles.length > 0 ? { roles: [...user.roles] } : {}),
            ...(user.groups && user.groups.length > GROUPS_OVERAGE_LIMIT
              ? {
                  _claim_names: { groups: 'src1' },
                  _claim_sources: { src1: { endpoint: `${authorityHost}/v1.0/users/${user.oid}/getMemberObjects` } },
                }
              : user.groups && user.groups.length > 0
                ? { groups: [...user.groups] }
                : {}),
            // Entra's login_hint is opaque; the app only echoes it back as logout_hint.
            login_hint: Buffer.from(JSON.stringify({ oid: user.oid, tid: user.tenantId ?? tenantId })).toString('base64url'),
          };
        },
      };
    },
    discovery: { frontchannel_logout_supported: true, frontchannel_logout_session_supported: true },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // Like Entra: no "are you sure?" page. The sign-out page loads each signed-in app's front-channel
        // logout URL in a hidden iframe (from this origin, so the app's cookies are third-party there),
        // then ends the session and returns to post_logout_redirect_uri.
        async logoutSource(ctx, form) {
          const session = ctx.oidc.session;
          const frames = Object.keys(session?.authorizations ?? {})
            .map((clientId) => {
              const uri = frontchannelUris.get(clientId);
              const sid = session?.sidFor(clientId);
              if (!uri || !sid) return '';
              const src = new URL(uri);
              src.searchParams.set('sid', sid);
              return `<iframe class="frontchannel" hidden title="sign-out" src="${escapeHtml(src.href)}"></iframe>`;
            })
            .join('');
          const confirm = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>');
          ctx.type = 'html';
          ctx.body = page(
            'Signing out',
            `<p class="banner">Entra ID emulator — not Microsoft. For development and tests only.</p>
<h1>Signing you out</h1><p>Signing you out of the apps you used with this account.</p>${frames}${confirm}
<noscript><button type="submit" form="op.logoutForm">Continue</button></noscript>
<script>(function(){var sent=false;function go(){if(sent)return;sent=true;document.getElementById('op.logoutForm').submit();}
window.addEventListener('load',go);setTimeout(go,5000);})();</script>`,
          );
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = page(
            'Signed out',
            `<p class="banner">Entra ID emulator — not Microsoft. For development and tests only.</p>
<h1>You signed out of your account</h1><p>It's a good idea to close all browser windows.</p>`,
          );
        },
      },
      clientCredentials: { enabled: true },
    },
    // Entra matches a certificate assertion to an uploaded certificate by its thumbprint header.
    assertJwtClientAuthClaimsAndHeader: certificateThumbprintCheck(certificates) as unknown as Configuration['assertJwtClientAuthClaimsAndHeader'],
    pkce: { required: () => true },
    responseTypes: ['code'],
    enabledJWA: { idTokenSigningAlgValues: ['RS256'] },
    routes: {
      authorization: `/${tenantId}/oauth2/v2.0/authorize`,
      token: `/${tenantId}/oauth2/v2.0/token`,
      end_session: `/${tenantId}/oauth2/v2.0/logout`,
      jwks: `/${tenantId}/discovery/v2.0/keys`,
      userinfo: `/${tenantId}/openid/userinfo`,
    },
    interactions: {
      url: (_ctx, interaction) => `/emulator/interaction/${interaction.uid}`,
      // Entra accepts prompt=select_account (the account picker even when signed in); oidc-provider only
      // knows the prompts its policy lists, so the emulator adds it.
      policy: [...interactionPolicy.base(), new interactionPolicy.Prompt({ name: 'select_account', requestable: true })],
    },
    // First-party app: consent is implied, as after an admin grants tenant-wide consent.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { client, session } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const existing = session.grantIdFor(client.clientId);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid profile email offline_access');
      await grant.save();
      return grant;
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      // Like Entra's own error page: the AADSTS code first, for errors it cannot send back to the app.
      const code = entraErrorPageCode(out);
      const description = code === 50011 ? redirectMismatchText(ctx) : String(out['error_description'] ?? out['error']);
      const headline = code ? `<p><strong>AADSTS${code}</strong>: ${escapeHtml(description)}</p>` : '';
      ctx.body = page('Sign-in error', `<h1>Sign-in error</h1>${headline}<pre>${escapeHtml(JSON.stringify(out, null, 2))}</pre>`);
    },
  };

  const provider = new Provider(issuer, configuration);
  // Entra always puts `sid` in the id_token (front-channel logout needs it); oidc-provider only does
  // when back-channel logout is configured, so the emulator says yes for every client.
  (provider.Client.prototype as unknown as { includeSid(): boolean }).includeSid = () => true;
  installCredentialChecks(provider, authorityHost, clientSecrets);

  // Entra's issuer depends on the tenant: `{host}/{tid}/v2.0` in each id_token, the literal template
  // `{host}/{tenantid}/v2.0` in organizations/common discovery. oidc-provider has one fixed issuer, so it
  // becomes a getter reading the tenant from the request context.
  const issuerTenant = new AsyncLocalStorage<string>();
  Object.defineProperty(provider, 'issuer', {
    configurable: true,
    get: () => `${authorityHost}/${issuerTenant.getStore() ?? tenantId}/v2.0`,
  });
  const idTokenProto = provider.IdToken.prototype as unknown as { issue(...args: unknown[]): Promise<string>; available: Record<string, unknown> };
  const issueIdToken = idTokenProto.issue;
  idTokenProto.issue = async function issueWithTenantIssuer(this: typeof idTokenProto, ...args: unknown[]) {
    const token = await issuerTenant.run(String(this.available['emulator_iss_tid'] ?? tenantId), () => issueIdToken.apply(this, args));
    const skew = emulator.faults.clockSkewSeconds;
    return skew === 0 ? token : skewedToken(token, skew, privateKey);
  };
  /** Interactions started through organizations/common: their resume answers with the template issuer. */
  const multiTenantInteractions = new Set<string>();

  const emulator: Emulator = {
    authorityHost,
    tenantId,
    issuer,
    users,
    available: true,
    graphAvailable: true,
    adminConsent: 'grant',
    clientSecrets,
    domains: new Set((options.domains ?? ['contoso.onmicrosoft.com']).map((d) => d.toLowerCase())),
    hits: new Map(),
    faults: createFaults(),
    hostile: createHostile({ privateKey, kid: signingKey.kid }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  app.use((req, res, next) => {
    const path = req.path;
    emulator.hits.set(path, (emulator.hits.get(path) ?? 0) + 1);
    if (!emulator.available) {
      res.status(503).type('text').send('Service Unavailable');
      return;
    }
    next();
  });
  // Under the tenant and under organizations/common (multi-tenant apps call the alias paths).
  const endpoint = (rest: string) => [tenantId, ...MULTI_TENANT_ALIASES].map((t) => `/${t}${rest}`);
  app.use(
    emulator.hostile.middleware({
      discovery: endpoint('/v2.0/.well-known/openid-configuration'),
      jwks: endpoint('/discovery/v2.0/keys'),
      token: endpoint('/oauth2/v2.0/token'),
    }),
  );

  installFaultMiddleware(app, { tenantId, clients: options.clients, faults: emulator.faults });
  installProviderFaults(provider, { tenantId, clients: options.clients, faults: emulator.faults });

  // Entra serves discovery at /{tenant}/v2.0/.well-known/...; oidc-provider at /.well-known/... of its mount.
  app.get(`/${tenantId}/v2.0/.well-known/openid-configuration`, (req, _res, next) => {
    req.url = '/.well-known/openid-configuration';
    req.originalUrl = req.url;
    next();
  });
  // organizations/common: the same endpoints under the alias, and discovery naming the {tenantid} template.
  app.use((req, res, next) => {
    const alias = MULTI_TENANT_ALIASES.find((a) => req.path.startsWith(`/${a}/`));
    const resume = /^\/[^/]+\/oauth2\/v2\.0\/authorize\/([^/]+)$/.exec(req.path)?.[1];
    if (!alias && !(resume && multiTenantInteractions.has(resume))) return next();
    if (alias) {
      const rest = req.url.slice(alias.length + 1);
      if (rest.startsWith('/v2.0/.well-known/openid-configuration')) {
        req.url = '/.well-known/openid-configuration';
        rewriteJsonBody(res, (body) => JSON.parse(JSON.stringify(body).split(`/${tenantId}/`).join(`/${alias}/`)));
      } else {
        req.url = `/${tenantId}${rest}`;
        // A client assertion sent here names this alias's token endpoint as its aud (emulator-credentials.ts).
        markAlias(req, alias);
        // An interaction started here resumes on the tenant path; remember it so its answer stays multi-tenant.
        const setHeader = res.setHeader.bind(res);
        res.setHeader = (name: string, value: number | string | readonly string[]) => {
          const uid = name.toLowerCase() === 'location' ? /\/emulator\/interaction\/([^/?#]+)/.exec(String(value))?.[1] : undefined;
          if (uid) multiTenantInteractions.add(uid);
          return setHeader(name, value);
        };
      }
      req.originalUrl = req.url;
    }
    issuerTenant.run('{tenantid}', () => next());
  });

  // Microsoft Graph's /me/transitiveMemberOf for the groups overage: the bearer is an access token this
  // emulator issued; pages of at most 100 with @odata.nextLink, as Graph does.
  app.get(['/v1.0/me/transitiveMemberOf', '/v1.0/me/transitiveMemberOf/microsoft.graph.group'], async (req, res, next) => {
    try {
      if (!emulator.graphAvailable) {
        res.status(503).json({ error: { code: 'serviceNotAvailable', message: 'Service unavailable' } });
        return;
      }
      const bearer = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
      const token = bearer ? await provider.AccessToken.find(bearer) : undefined;
      const user = token ? bySub.get(token.accountId) : undefined;
      if (!token || !user) {
        res.status(401).json({ error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty or invalid.' } });
        return;
      }
      const skip = Number(typeof req.query['$skiptoken'] === 'string' ? req.query['$skiptoken'] : 0) || 0;
      const all = user.groups ?? [];
      const pageSize = 100;
      const value = all.slice(skip, skip + pageSize).map((id) => ({ '@odata.type': '#microsoft.graph.group', id }));
      res.json({
        value,
        ...(skip + pageSize < all.length ? { '@odata.nextLink': `${authorityHost}${req.path}?$select=id&$skiptoken=${skip + pageSize}` } : {}),
      });
    } catch (err) {
      next(err);
    }
  });

  // Entra's admin-consent endpoint: an admin of {tenant} grants (or refuses) the app's permissions tenant-wide,
  // then Entra redirects to redirect_uri with tenant + admin_consent=True, or error + error_description.
  app.get('/:tenant/v2.0/adminconsent', (req, res) => {
    const q = (name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string) : '');
    const known = options.clients.find((c) => c.client_id === q('client_id'));
    if (!known) {
      res.status(400).json(entraErrorBody('unauthorized_client', 700016, `Application with identifier '${q('client_id')}' was not found in the directory.`));
      return;
    }
    let target: URL;
    try {
      target = new URL(q('redirect_uri'));
    } catch {
      res.status(400).json(entraErrorBody('invalid_request', 50011, 'The redirect URI specified in the request does not match the redirect URIs configured for the application.'));
      return;
    }
    if (!known.redirect_uris.some((r) => new URL(r).origin === target.origin)) {
      res.status(400).json(entraErrorBody('invalid_request', 50011, `The redirect URI '${target.href}' specified in the request does not match the redirect URIs configured for the application.`));
      return;
    }
    const tenant = /^[0-9a-f-]{36}$/i.test(req.params.tenant) ? req.params.tenant.toLowerCase() : tenantId;
    if (emulator.adminConsent === 'grant') {
      target.searchParams.set('tenant', tenant);
      target.searchParams.set('admin_consent', 'True');
    } else {
      const body = entraErrorBody('access_denied', 65004, 'User declined to consent to access the app.');
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', String(body['error_description']));
    }
    target.searchParams.set('state', q('state'));
    res.redirect(302, target.href);
  });

  // A verified domain answers with the tenant's document (issuer and endpoints name the GUID, as Entra's do);
  // any other tenant or domain in the path: Entra answers 400 with AADSTS90002, in its words.
  app.get('/:tenant/v2.0/.well-known/openid-configuration', (req, res, next) => {
    if (req.params.tenant === tenantId) return next();
    if (emulator.domains.has(req.params.tenant.toLowerCase())) {
      req.url = '/.well-known/openid-configuration';
      req.originalUrl = req.url;
      return next();
    }
    res
      .status(400)
      .json(
        entraErrorBody(
          'invalid_tenant',
          90002,
          `Tenant '${req.params.tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
        ),
      );
  });

  // The other endpoints under a tenant Entra does not know answer AADSTS90002 too: the token endpoint in JSON,
  // the authorization endpoint on its own error page (it cannot redirect: nothing is registered there).
  // A verified domain works like the GUID.
  app.use((req, res, next) => {
    const match = /^\/([^/]+)\/oauth2\/v2\.0(\/|$)/.exec(req.path);
    const tenant = match?.[1];
    if (!tenant || tenant === tenantId || MULTI_TENANT_ALIASES.includes(tenant)) return next();
    if (emulator.domains.has(tenant.toLowerCase())) {
      req.url = `/${tenantId}${req.url.slice(tenant.length + 1)}`;
      req.originalUrl = req.url;
      return next();
    }
    const body = entraErrorBody('invalid_tenant', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`);
    if (req.path.endsWith('/authorize')) {
      res.status(400).type('html').send(page('Sign-in error', `<h1>Sign-in error</h1><p><strong>AADSTS90002</strong>: ${escapeHtml(String(body['error_description']))}</p>`));
      return;
    }
    res.status(400).json(body);
  });

  const form = express.urlencoded({ extended: false, limit: '2kb' });

  app.get('/emulator/interaction/:uid', async (req, res, next) => {
    try {
      const details = await provider.interactionDetails(req, res);
      const buttons = users
        .map(
          (u) =>
            `<li><button type="submit" name="user" value="${escapeHtml(u.oid)}">${escapeHtml(u.name)}<br><small>${escapeHtml(u.username)}</small></button></li>`,
        )
        .join('');
      res.type('html').send(
        page(
          'Pick an account',
          `<p class="banner">Entra ID emulator — not Microsoft. For development and tests only.</p>
<h1>Pick an account</h1>
<form method="post" action="/emulator/interaction/${escapeHtml(details.uid)}/login"><ul class="accounts">${buttons}</ul></form>`,
        ),
      );
    } catch (err) {
      next(err);
    }
  });

  app.post('/emulator/interaction/:uid/login', form, async (req, res, next) => {
    try {
      const details = await provider.interactionDetails(req, res);
      const user = users.find((u) => u.oid === (req.body as Record<string, unknown>)['user']);
      const clientId = String(details.params['client_id'] ?? '');
      if (!user) {
        res.status(400).type('text').send('unknown user');
        return;
      }
      if ((user.tenantId ?? tenantId) !== tenantId && !multiTenantInteractions.has(details.uid)) {
        await provider.interactionFinished(req, res, entraRedirectError('invalid_request', 50020, `User account '${user.username}' from identity provider 'https://sts.windows.net/${user.tenantId}/' does not exist in tenant '${tenantId}' and cannot access the application '${clientId}' in that tenant.`), { mergeWithLastSubmission: false });
        return;
      }
      if (user.assigned === false || emulator.faults.usersUnassigned) {
        await provider.interactionFinished(req, res, entraRedirectError('access_denied', 50105, `Your administrator has configured the application iLOGON_MHA ('${clientId}') to block users unless they are specifically granted ('assigned') access to the application. The signed in user '${user.username}' is blocked because they are not a direct member of a group with access, nor had access directly assigned by an administrator. Please contact your administrator to assign access to this application.`), { mergeWithLastSubmission: false });
        return;
      }
      // Picking an account on this page answers every prompt the request asked for (login, consent, select_account).
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: subFor(user, clientId) }, consent: {}, select_account: {} },
        { mergeWithLastSubmission: false },
      );
    } catch (err) {
      next(err);
    }
  });

  app.use(provider.callback());
  return emulator;
}

export { entraErrorBody } from './emulator-faults.js';

/** The id_token re-signed with its times moved by `skew` seconds: what a provider with a wrong clock issues. */
async function skewedToken(token: string, skew: number, key: Parameters<SignJWT["sign"]>[0]): Promise<string> {
  const [header, payload] = token.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>);
  for (const claim of ['iat', 'nbf', 'exp', 'auth_time']) {
    if (typeof payload![claim] === 'number') payload![claim] = (payload![claim] as number) + skew;
  }
  return new SignJWT(payload!).setProtectedHeader(header as JWTHeaderParameters).sign(key);
}

/** Lets the emulator adjust a JSON body oidc-provider writes (koa sets its headers, then ends once). */
function rewriteJsonBody(res: express.Response, change: (body: unknown) => unknown): void {
  const end = res.end.bind(res) as (...args: unknown[]) => express.Response;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if ((Buffer.isBuffer(chunk) || typeof chunk === 'string') && res.statusCode === 200) {
      const text = JSON.stringify(change(JSON.parse(chunk.toString())));
      res.setHeader('content-length', Buffer.byteLength(text));
      return end(text, ...rest);
    }
    return end(chunk, ...rest);
  }) as typeof res.end;
}

/**
 * Entra's AADSTS50011 text names the redirect URI it refused and the app, so the admin sees at once what to
 * register (or which BASE_URL is wrong). Read from the request, as oidc-provider has not accepted it.
 */
function redirectMismatchText(ctx: KoaContextWithOIDC): string {
  const params = (ctx.oidc?.params ?? {}) as Record<string, unknown>;
  const query = ctx.query as Record<string, unknown>;
  const pick = (name: string) => {
    const v = params[name] ?? query[name];
    return typeof v === 'string' ? v.slice(0, 2000) : '';
  };
  return `The redirect URI '${pick('redirect_uri')}' specified in the request does not match the redirect URIs configured for the application '${pick('client_id')}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`;
}

/** An interaction result that makes oidc-provider redirect back with Entra's error shape. */
function entraRedirectError(error: string, code: number, message: string): { error: string; error_description: string } {
  const body = entraErrorBody(error, code, message);
  return { error, error_description: String(body['error_description']) };
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} — Entra ID emulator</title>
<meta name="color-scheme" content="light dark">
<style>:root{color-scheme:light dark}body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b;background:#fff}
.banner{background:#fff4ce;color:#1b1b1b;padding:.5rem;border-radius:4px;font-size:.875rem}.accounts{list-style:none;padding:0}
.accounts button{width:100%;text-align:left;padding:.75rem;margin:.25rem 0;border:1px solid #8a8886;background:#fff;color:inherit;border-radius:4px;cursor:pointer;font-size:1rem}
.accounts button:focus-visible{outline:3px solid #0067b8}pre{white-space:pre-wrap;overflow-wrap:anywhere}
@media (prefers-color-scheme:dark){body{color:#f3f2f1;background:#1b1a19}.banner{background:#4a3f00;color:#fff8d6}
.accounts button{background:#252423;border-color:#a19f9d}.accounts button:focus-visible{outline-color:#6cb8f6}a{color:#6cb8f6}}</style></head><body>${body}</body></html>`;
}
