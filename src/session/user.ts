/**
 * The identity kept in the session: small, display fields separate from the key.
 * Users are keyed by `tid`+`oid`; email and names are mutable display values only.
 */
export interface SessionUser {
  readonly tid: string;
  readonly oid: string;
  readonly sub: string;
  readonly name?: string;
  readonly preferred_username?: string;
  readonly email?: string;
  readonly roles: readonly string[];
  readonly groups: readonly string[];
  /** 'graph' when the id_token had the groups overage and the ids came from Microsoft Graph at sign-in. */
  readonly groupsSource?: 'graph';
  /** Entra's session id: how front-channel logout finds this session. */
  readonly sid?: string;
  /** Opaque hint Entra gives for logout (`logout_hint`). */
  readonly login_hint?: string;
}
