import type { IdentityHeaderSet } from '../config.js';
import type { SessionUser } from '../auth/session-user.js';

/**
 * Header names a backend may treat as "who is signed in". Only this server may set them: whatever a client
 * sends under these names is removed before anything is forwarded. Exact names (lower case) and prefixes.
 */
const IDENTITY_HEADER_NAMES = new Set([
  'x-forwarded-user',
  'x-forwarded-email',
  'x-forwarded-groups',
  'x-forwarded-preferred-username',
  'x-forwarded-access-token',
]);
export const IDENTITY_HEADER_PREFIXES = [
  // App Service: X-MS-CLIENT-PRINCIPAL, -ID, -NAME, -IDP and any future sibling.
  'x-ms-client-principal',
  // App Service's token store headers (X-MS-TOKEN-AAD-ID-TOKEN...): a backend written for it may trust them.
  'x-ms-token-',
  // Ours: X-MHA-Identity, X-MHA-Groups-Overage and anything we add later.
  'x-mha-',
  // oauth2-proxy's auth_request response headers, which some backends read directly.
  'x-auth-request-',
  // Authelia, Authentik, Caddy's forward_auth (Remote-User, -Groups, -Email, -Name) and X-Remote-User.
  'remote-',
  'x-remote-',
  // Grafana's auth proxy (X-WEBAUTH-USER and its siblings).
  'x-webauth-',
  // mod_auth_openidc: OIDC_CLAIM_*, OIDC_access_token, OIDC_id_token... (a backend moved from it reads them).
  'oidc-',
];

/**
 * True for a header name that carries identity. Underscores count as hyphens: CGI, PHP and several
 * frameworks map both to the same variable (X_MS_CLIENT_PRINCIPAL_ID == X-MS-CLIENT-PRINCIPAL-ID).
 */
export function isIdentityHeader(name: string): boolean {
  const n = name.toLowerCase().replace(/_/g, '-');
  return IDENTITY_HEADER_NAMES.has(n) || IDENTITY_HEADER_PREFIXES.some((p) => n.startsWith(p));
}

/** The exact identity header names (lower case, `-` form), for checks that need the list itself. */
export function identityHeaderNames(): readonly string[] {
  return [...IDENTITY_HEADER_NAMES];
}

// Claim types as App Service authentication emits them for Entra (the .NET claim type URIs).
const CLAIM = {
  oid: 'http://schemas.microsoft.com/identity/claims/objectidentifier',
  tid: 'http://schemas.microsoft.com/identity/claims/tenantid',
  sub: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier',
  email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
  role: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
} as const;

export interface ClientPrincipal {
  readonly auth_typ: 'aad';
  readonly name_typ: string;
  readonly role_typ: string;
  readonly claims: ReadonlyArray<{ readonly typ: string; readonly val: string }>;
}

/**
 * Where a backend reads the full group list when the headers carry the overage instead: Microsoft Graph's
 * `getMemberObjects` for the user, the endpoint Entra itself names in an id_token's `_claim_sources`.
 */
export function groupsOverageEndpoint(graphHost: string, oid: string): string {
  return `${graphHost}/v1.0/users/${encodeURIComponent(oid)}/getMemberObjects`;
}

/** Entra's overage claims (`_claim_names` / `_claim_sources`), as an id_token with too many groups carries them. */
export function overageClaims(endpoint: string): { _claim_names: { groups: 'src1' }; _claim_sources: { src1: { endpoint: string } } } {
  return { _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint } } };
}

/**
 * The decoded X-MS-CLIENT-PRINCIPAL, shaped like App Service authentication's: `auth_typ` "aad", the claim
 * type that names the user (`name_typ`) and the one that carries roles (`role_typ`), and the claims as
 * typ/val string pairs with one entry per role and per group. With `overage` (the Graph endpoint) the groups
 * are left out and the overage claims take their place, as App Service passes on an overage token's claims.
 */
export function clientPrincipal(user: SessionUser, overage?: string): ClientPrincipal {
  const claims: Array<{ typ: string; val: string }> = [
    { typ: CLAIM.oid, val: user.oid },
    { typ: CLAIM.tid, val: user.tid },
    { typ: CLAIM.sub, val: user.sub },
    { typ: 'ver', val: '2.0' },
  ];
  if (user.name) claims.push({ typ: 'name', val: user.name });
  if (user.preferred_username) claims.push({ typ: 'preferred_username', val: user.preferred_username });
  if (user.email) claims.push({ typ: CLAIM.email, val: user.email });
  for (const role of user.roles) claims.push({ typ: CLAIM.role, val: role });
  if (overage) {
    const { _claim_names, _claim_sources } = overageClaims(overage);
    claims.push({ typ: '_claim_names', val: JSON.stringify(_claim_names) }, { typ: '_claim_sources', val: JSON.stringify(_claim_sources) });
  } else {
    for (const group of user.groups) claims.push({ typ: 'groups', val: group });
  }
  // preferred_username names the user (it is what X-MS-CLIENT-PRINCIPAL-NAME carries), so a backend that
  // builds a ClaimsPrincipal from name_typ gets the same Identity.Name.
  return { auth_typ: 'aad', name_typ: 'preferred_username', role_typ: CLAIM.role, claims };
}

/** A display name for the user: the sign-in name, else email, else the object id. */
export function principalName(user: SessionUser): string {
  return user.preferred_username ?? user.email ?? user.oid;
}

/** Sent instead of X-Forwarded-Groups (and the groups claims) when the list does not fit: where to read it. */
export const GROUPS_OVERAGE_HEADER = 'x-mha-groups-overage';

/**
 * The identity headers for the chosen sets (lower-case names). Values are made safe to send: control
 * characters dropped, non-ASCII sent as its UTF-8 bytes (what servers decode), so a name like "Zoë 山田"
 * never makes Node refuse the header. With `overage` (the Graph endpoint) no group is listed anywhere and
 * X-MHA-Groups-Overage names that endpoint, so no backend mistakes a missing list for "no groups".
 */
export function identityHeaders(user: SessionUser, sets: readonly IdentityHeaderSet[], overage?: string): Record<string, string> {
  const headers: Record<string, string> = {};
  if (sets.includes('appservice')) {
    headers['x-ms-client-principal'] = Buffer.from(JSON.stringify(clientPrincipal(user, overage)), 'utf8').toString('base64');
    headers['x-ms-client-principal-id'] = user.oid;
    headers['x-ms-client-principal-name'] = headerValue(principalName(user));
    headers['x-ms-client-principal-idp'] = 'aad';
  }
  if (sets.includes('forwarded')) {
    // Keyed by oid like everything else here: email and names are mutable display values.
    headers['x-forwarded-user'] = user.oid;
    if (user.email) headers['x-forwarded-email'] = headerValue(user.email);
    if (user.preferred_username) headers['x-forwarded-preferred-username'] = headerValue(user.preferred_username);
    if (!overage && user.groups.length > 0) headers['x-forwarded-groups'] = headerValue(user.groups.join(','));
  }
  if (overage) headers[GROUPS_OVERAGE_HEADER] = overage;
  return headers;
}

/** What the headers weigh on the wire (`Name: value\r\n` each): the figure proxies' buffers are sized in. */
export function headerBytes(headers: Readonly<Record<string, string>>): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(headers)) bytes += name.length + 2 + Buffer.byteLength(value, 'latin1') + 2;
  return bytes;
}

export function headerValue(value: string): string {
  return Buffer.from(value.replace(/[\u0000-\u001f\u007f]/g, ''), 'utf8').toString('latin1');
}
