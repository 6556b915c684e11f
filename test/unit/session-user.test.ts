import { describe, expect, it } from 'vitest';
import type { IDToken } from 'openid-client';
import { toSessionUser, userKey } from '../../src/auth/session-user.js';
import { SignInError } from '../../src/errors.js';

const TID = '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71';
const OID = '6f1d0e6a-3b1f-4a52-9d7e-0c2a9b8e4d11';
const HOST = 'https://login.microsoftonline.com';
const expected = { tenantId: TID, authorityHost: HOST };

function claims(overrides: Record<string, unknown> = {}): IDToken {
  return {
    iss: `${HOST}/${TID}/v2.0`,
    aud: 'client',
    sub: 'pairwise-sub',
    iat: 1,
    exp: 2,
    ver: '2.0',
    tid: TID,
    oid: OID,
    name: 'B.Simon',
    preferred_username: 'B.Simon@contoso.com',
    email: 'B.Simon@contoso.com',
    roles: ['MHA.Admin'],
    sid: 'entra-session',
    login_hint: 'opaque',
    ...overrides,
  } as IDToken;
}

function reasonOf(c: IDToken): string {
  try {
    toSessionUser(c, expected);
  } catch (err) {
    if (err instanceof SignInError) return `${err.reason}:${err.status}`;
    throw err;
  }
  return 'accepted';
}

describe('toSessionUser', () => {
  it('keeps the small identity, keyed by tid+oid', () => {
    const user = toSessionUser(claims(), expected);
    expect(user).toEqual({
      tid: TID,
      oid: OID,
      sub: 'pairwise-sub',
      name: 'B.Simon',
      preferred_username: 'B.Simon@contoso.com',
      email: 'B.Simon@contoso.com',
      roles: ['MHA.Admin'],
      groups: [],
      sid: 'entra-session',
      login_hint: 'opaque',
    });
    expect(userKey(user)).toBe(`${TID}:${OID}`);
  });

  it('ignores display claims of the wrong type and caps list sizes', () => {
    const user = toSessionUser(claims({ name: 42, email: '', roles: ['a', 7, 'b'], groups: Array.from({ length: 500 }, (_, i) => `g${i}`) }), expected);
    expect(user.name).toBeUndefined();
    expect(user.email).toBeUndefined();
    expect(user.roles).toEqual(['a', 'b']);
    expect(user.groups).toHaveLength(200);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['another tenant', { tid: '11111111-1111-1111-1111-111111111111', iss: `${HOST}/11111111-1111-1111-1111-111111111111/v2.0` }, 'wrong_tenant:403'],
    ['a personal Microsoft account', { tid: '9188040d-6c67-4c5b-b112-36a304b66dad', iss: `${HOST}/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0` }, 'personal_account:403'],
    ['missing tid', { tid: undefined }, 'invalid_token:401'],
    ['tid not a GUID', { tid: 'contoso.com' }, 'invalid_token:401'],
    ['iss naming another tenant than tid', { iss: `${HOST}/11111111-1111-1111-1111-111111111111/v2.0` }, 'invalid_token:401'],
    ['iss on another host', { iss: `https://evil.example/${TID}/v2.0` }, 'invalid_token:401'],
    ['a v1 token', { ver: '1.0', iss: `https://sts.windows.net/${TID}/` }, 'invalid_token:401'],
    ['v1 version with a v2 issuer', { ver: '1.0' }, 'invalid_token:401'],
    ['missing oid', { oid: undefined }, 'invalid_token:401'],
  ])('refuses %s', (_name, overrides, reason) => {
    expect(reasonOf(claims(overrides))).toBe(reason);
  });
});
