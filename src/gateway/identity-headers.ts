import type { IncomingHttpHeaders } from 'node:http';
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
  'x-remote-user',
  'remote-user',
]);
const IDENTITY_HEADER_PREFIXES = [
  // App Service: X-MS-CLIENT-PRINCIPAL, -ID, -NAME, -IDP and any future sibling.
  'x-ms-client-principal',
  // App Service's token store headers (X-MS-TOKEN-AAD-ID-TOKEN...): a backend written for it may trust them.
  'x-ms-token-',
  // Ours: X-MHA-Identity and anything we add later.
  'x-mha-',
  // oauth2-proxy's auth_request response headers, which some backends read directly.
  'x-auth-request-',
];

/**
 * True for a header name that carries identity. Underscores count as hyphens: CGI, PHP and several
 * frameworks map both to the same variable (X_MS_CLIENT_PRINCIPAL_ID == X-MS-CLIENT-PRINCIPAL-ID).
 */
export function isIdentityHeader(name: string): boolean {
  const n = name.toLowerCase().replace(/_/g, '-');
  return IDENTITY_HEADER_NAMES.has(n) || IDENTITY_HEADER_PREFIXES.some((p) => n.startsWith(p));
}

/**
 * Removes every client-sent identity header (Node has already lower-cased the names and joined repeated
 * ones, so one delete removes all copies). Returns the names removed, for the log.
 */
export function stripIdentityHeaders(headers: IncomingHttpHeaders): string[] {
  const removed: string[] = [];
  for (const name of Object.keys(headers)) {
    if (isIdentityHeader(name)) {
      delete headers[name];
      removed.push(name);
    }
  }
  return removed;
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
 * The decoded X-MS-CLIENT-PRINCIPAL, shaped like App Service authentication's: `auth_typ` "aad", the claim
 * type that names the user (`name_typ`) and the one that carries roles (`role_typ`), and the claims as
 * typ/val string pairs with one entry per role and per group.
 */
export function clientPrincipal(user: SessionUser): ClientPrincipal {
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
  for (const group of user.groups) claims.push({ typ: 'groups', val: group });
  // preferred_username names the user (it is what X-MS-CLIENT-PRINCIPAL-NAME carries), so a backend that
  // builds a ClaimsPrincipal from name_typ gets the same Identity.Name.
  return { auth_typ: 'aad', name_typ: 'preferred_username', role_typ: CLAIM.role, claims };
}

/** A display name for the user: the sign-in name, else email, else the object id. */
export function principalName(user: SessionUser): string {
  return user.preferred_username ?? user.email ?? user.oid;
}

/**
 * The identity headers for the chosen sets (lower-case names). Values are made safe to send: control
 * characters dropped, non-ASCII sent as its UTF-8 bytes (what servers decode), so a name like "Zoë 山田"
 * never makes Node refuse the header.
 */
export function identityHeaders(user: SessionUser, sets: readonly IdentityHeaderSet[]): Record<string, string> {
  const headers: Record<string, string> = {};
  if (sets.includes('appservice')) {
    headers['x-ms-client-principal'] = Buffer.from(JSON.stringify(clientPrincipal(user)), 'utf8').toString('base64');
    headers['x-ms-client-principal-id'] = user.oid;
    headers['x-ms-client-principal-name'] = headerValue(principalName(user));
    headers['x-ms-client-principal-idp'] = 'aad';
  }
  if (sets.includes('forwarded')) {
    // Keyed by oid like everything else here: email and names are mutable display values.
    headers['x-forwarded-user'] = user.oid;
    if (user.email) headers['x-forwarded-email'] = headerValue(user.email);
    if (user.preferred_username) headers['x-forwarded-preferred-username'] = headerValue(user.preferred_username);
    if (user.groups.length > 0) headers['x-forwarded-groups'] = headerValue(user.groups.join(','));
  }
  return headers;
}

export function headerValue(value: string): string {
  return Buffer.from(value.replace(/[\u0000-\u001f\u007f]/g, ''), 'utf8').toString('latin1');
}
