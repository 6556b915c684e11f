import type { IDToken } from 'openid-client';
import { isGuid, PERSONAL_ACCOUNTS_TENANT } from '../config.js';
import { SignInError, SignInReason } from '../errors.js';
import type { SessionUser } from '../session/user.js';

// The type lives with the session that stores it (session/ sits below auth/); auth maps claims to it.
export type { SessionUser };

export interface ExpectedIssuer {
  /** The tenant GUID this deployment signs in (single tenant). */
  readonly tenantId?: string;
  /** Or the tenants allowed to sign in (multi-tenant: ENTRA_ALLOWED_TENANTS). */
  readonly allowedTenants?: readonly string[];
  /** The authority host, e.g. https://login.microsoftonline.com (no trailing slash). */
  readonly authorityHost: string;
}

const MAX_LIST = 200;
/** The same allowance openid-client gives `exp` and `nbf` (its default clock tolerance). */
export const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * openid-client checks that `iat` is a number but not that it is in the past; a token "issued" in the
 * future (a forged or badly clocked one) is refused here, with the tolerance it uses for `nbf`.
 */
export function assertIssuedInThePast(claims: IDToken, nowMs: number): void {
  if (typeof claims.iat !== 'number' || claims.iat > Math.floor(nowMs / 1000) + CLOCK_TOLERANCE_SECONDS) {
    throw new SignInError(SignInReason.invalidToken, 401, 'The sign-in token is dated in the future. Check the server clock, then try again.');
  }
}

/**
 * Checks Entra-specific claims openid-client does not (and on login.microsoftonline.com cannot) check,
 * then maps them to the session identity. openid-client has already verified signature, iss vs discovery,
 * aud, exp, iat, nonce.
 */
export function toSessionUser(claims: IDToken, expected: ExpectedIssuer): SessionUser {
  const tid = claims['tid'];
  if (typeof tid !== 'string' || !isGuid(tid)) {
    throw new SignInError(SignInReason.invalidToken, 401, 'The sign-in token did not name a valid organization (tid).');
  }
  const allowed = (expected.allowedTenants ?? (expected.tenantId ? [expected.tenantId] : [])).map((t) => t.toLowerCase());
  if (!allowed.includes(tid.toLowerCase())) {
    // Personal accounts reach a `common` app with their own fixed tenant id; they get their own words.
    if (tid.toLowerCase() === PERSONAL_ACCOUNTS_TENANT) {
      throw new SignInError(SignInReason.personalAccount, 403, 'Personal Microsoft accounts cannot sign in to iLOGON_MHA.', { details: { tenant: tid } });
    }
    throw new SignInError(SignInReason.wrongTenant, 403, 'Your organization is not enabled for iLOGON_MHA.', {
      details: { tenant: tid },
    });
  }
  if (claims.iss !== `${expected.authorityHost}/${tid}/v2.0`) {
    throw new SignInError(SignInReason.invalidToken, 401, 'The sign-in token was not issued by the expected Entra tenant.');
  }
  if (claims['ver'] !== undefined && claims['ver'] !== '2.0') {
    throw new SignInError(SignInReason.invalidToken, 401, 'The sign-in token is not an Entra v2.0 token.');
  }
  const oid = claims['oid'];
  if (typeof oid !== 'string' || !isGuid(oid)) {
    throw new SignInError(SignInReason.invalidToken, 401, 'The sign-in token did not carry a user object id (oid).');
  }
  return {
    tid: tid.toLowerCase(),
    oid: oid.toLowerCase(),
    sub: claims.sub,
    ...optionalString(claims, 'name'),
    ...optionalString(claims, 'preferred_username'),
    ...optionalString(claims, 'email'),
    roles: stringList(claims['roles']),
    groups: stringList(claims['groups']),
    ...optionalString(claims, 'sid'),
    ...optionalString(claims, 'login_hint'),
  };
}

/** A stable key for the user: the same person in the same tenant, whatever their email becomes. */
export function userKey(user: Pick<SessionUser, 'tid' | 'oid'>): string {
  return `${user.tid}:${user.oid}`;
}

function optionalString(claims: IDToken, name: string): Record<string, string> {
  const value = claims[name];
  return typeof value === 'string' && value.length > 0 && value.length <= 512 ? { [name]: value } : {};
}

function stringList(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is string => typeof v === 'string' && v.length <= 256).slice(0, MAX_LIST);
}
