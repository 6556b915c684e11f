import * as oauth from 'oauth4webapi';
import type { CustomFetch, IDToken, ServerMetadata } from 'openid-client';
import { isGuid } from '../config.js';

export interface CodeGrantChecks {
  readonly pkceCodeVerifier: string;
  readonly expectedState: string;
  readonly expectedNonce: string;
}

export interface CodeGrantResult {
  readonly claims: IDToken | undefined;
  /** Used once at sign-in (Graph, for the groups overage) and then dropped: never stored in the session. */
  readonly access_token: string;
}

export type CodeGrant = (currentUrl: URL, checks: CodeGrantChecks) => Promise<CodeGrantResult>;

export interface TemplateIssuerGrantOptions {
  /** Discovery of organizations/common: `issuer` is the literal `{host}/{tenantid}/v2.0`. */
  readonly metadata: ServerMetadata;
  readonly clientId: string;
  readonly clientAuth: oauth.ClientAuth;
  readonly allowInsecureRequests: boolean;
  readonly timeoutSeconds: number;
  /** The HTTP client for the token and JWKS requests (authority-fetch.ts). */
  readonly fetch: CustomFetch;
}

/**
 * oauth4webapi's hook for an issuer that depends on the token: openid-client sets it for Entra itself, but
 * only when it resolves discovery from `https://login.microsoftonline.com/...` (not from the full
 * .well-known URL, not on national clouds, not on the emulator). The symbol is exported by oauth4webapi;
 * if a future version drops it we refuse to start rather than skip the issuer check.
 */
const EXPECTED_ISSUER = (oauth as unknown as { _expectedIssuer?: unknown })._expectedIssuer;

/**
 * The authorization-code exchange for Entra's multi-tenant issuer template, with every check openid-client
 * makes (state, PKCE, nonce, aud, exp, iat, RS256 pinned, signature verified against the JWKS) and `iss`
 * compared with the template filled with the token's own `tid`. A token whose `iss` names another tenant
 * than its `tid`, or whose `tid` is not a GUID, fails here. Whether that tenant may sign in at all is the
 * allow-list's job (session-user.ts).
 */
export function createTemplateIssuerGrant(options: TemplateIssuerGrantOptions): CodeGrant {
  if (typeof EXPECTED_ISSUER !== 'symbol') {
    throw new Error('this oauth4webapi version has no _expectedIssuer hook; multi-tenant issuer validation is unavailable');
  }
  const template = options.metadata.issuer;
  const as = {
    ...options.metadata,
    [EXPECTED_ISSUER]: (result: { claims: { tid?: unknown } }) => {
      const tid = result.claims.tid;
      // Never the bare template: a token whose iss is literally "{tenantid}" must not match.
      return typeof tid === 'string' && isGuid(tid) ? template.replace('{tenantid}', tid) : 'invalid:tid';
    },
  } as oauth.AuthorizationServer;
  const c: oauth.Client = { client_id: options.clientId, id_token_signed_response_alg: 'RS256' };
  const jwksCache: oauth.JWKSCacheInput = {};
  const requestOptions = () => ({
    [oauth.allowInsecureRequests]: options.allowInsecureRequests,
    [oauth.customFetch]: options.fetch,
    signal: AbortSignal.timeout(options.timeoutSeconds * 1000),
  });

  return async function templateIssuerGrant(currentUrl, checks) {
    const params = oauth.validateAuthResponse(as, c, currentUrl.searchParams, checks.expectedState);
    const redirectUri = new URL(currentUrl.href);
    redirectUri.search = '';
    const response = await oauth.authorizationCodeGrantRequest(as, c, options.clientAuth, params, redirectUri.href, checks.pkceCodeVerifier, requestOptions());
    const result = await oauth.processAuthorizationCodeResponse(as, c, response, { expectedNonce: checks.expectedNonce, requireIdToken: true });
    // Verify the id_token signature too (defence in depth, as enableNonRepudiationChecks does for one tenant).
    await oauth.validateApplicationLevelSignature(as, response, { ...requestOptions(), [oauth.jwksCache]: jwksCache });
    return { claims: oauth.getValidatedIdTokenClaims(result) as IDToken | undefined, access_token: result.access_token };
  };
}
