import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { SessionUser } from '../../src/auth/session-user.js';
import { clientIpFrom, prepareUpstreamHeaders, rewriteLocation } from '../../src/gateway/gateway.js';
import { matchesPrefix } from '../../src/perf/compose.js';
import { clientPrincipal, identityHeaders, isIdentityHeader } from '../../src/gateway/identity-headers.js';
import { readCookie as firstCookie, withoutCookies } from '../../src/http/cookies.js';

const user: SessionUser = {
  tid: '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71',
  oid: '11111111-2222-3333-4444-555555555555',
  sub: 'pairwise-sub',
  name: 'Zoë 山田',
  preferred_username: 'B.Simon@contoso.com',
  email: 'B.Simon@contoso.com',
  roles: ['MHA.Admin'],
  groups: ['g1', 'g2'],
};

describe('identity header names', () => {
  it.each([
    'X-MS-CLIENT-PRINCIPAL',
    'x-ms-client-principal-id',
    'X-Ms-Client-Principal-Name',
    'X_MS_CLIENT_PRINCIPAL_IDP',
    'x-ms-client-principal-anything-new',
    'X-MS-TOKEN-AAD-ID-TOKEN',
    'X-Forwarded-User',
    'x_forwarded_email',
    'X-FORWARDED-GROUPS',
    'X-Forwarded-Preferred-Username',
    'X-Forwarded-Access-Token',
    'X-MHA-Identity',
    'x-mha-anything',
    'X-Auth-Request-User',
    'Remote-User',
    'X-Remote-User',
  ])('treats %s as identity', (name) => {
    expect(isIdentityHeader(name)).toBe(true);
  });

  it.each(['X-Forwarded-For', 'X-Forwarded-Proto', 'Authorization', 'Cookie', 'X-Request-Id', 'X-MSX-Client', 'User-Agent'])('leaves %s alone', (name) => {
    expect(isIdentityHeader(name)).toBe(false);
  });
});

describe('identity headers for the upstream', () => {
  it('encodes X-MS-CLIENT-PRINCIPAL as App Service does: base64 JSON with auth_typ, name_typ, role_typ and typ/val claims', () => {
    const h = identityHeaders(user, ['appservice']);
    const decoded = JSON.parse(Buffer.from(h['x-ms-client-principal']!, 'base64').toString('utf8')) as ReturnType<typeof clientPrincipal>;
    expect(decoded.auth_typ).toBe('aad');
    expect(decoded.name_typ).toBe('preferred_username');
    expect(decoded.role_typ).toBe('http://schemas.microsoft.com/ws/2008/06/identity/claims/role');
    const values = (typ: string) => decoded.claims.filter((c) => c.typ === typ).map((c) => c.val);
    expect(values('http://schemas.microsoft.com/identity/claims/objectidentifier')).toEqual([user.oid]);
    expect(values('http://schemas.microsoft.com/identity/claims/tenantid')).toEqual([user.tid]);
    expect(values(decoded.name_typ)).toEqual(['B.Simon@contoso.com']);
    expect(values(decoded.role_typ)).toEqual(['MHA.Admin']);
    expect(values('groups')).toEqual(['g1', 'g2']);
    expect(values('name')).toEqual(['Zoë 山田']);
    expect(decoded.claims.every((c) => typeof c.val === 'string')).toBe(true);
    expect(h['x-ms-client-principal-id']).toBe(user.oid);
    expect(h['x-ms-client-principal-name']).toBe('B.Simon@contoso.com');
    expect(h['x-ms-client-principal-idp']).toBe('aad');
    expect(h['x-forwarded-user']).toBeUndefined();
  });

  it('sends the oauth2-proxy set keyed by oid, and omits headers for absent claims', () => {
    const h = identityHeaders({ ...user, email: undefined, groups: [] }, ['forwarded']);
    expect(h).toEqual({ 'x-forwarded-user': user.oid, 'x-forwarded-preferred-username': 'B.Simon@contoso.com' });
    expect(identityHeaders(user, ['forwarded'])['x-forwarded-groups']).toBe('g1,g2');
    expect(identityHeaders(user, [])).toEqual({});
  });

  it('sends non-ASCII names as UTF-8 bytes and drops control characters, so Node never refuses the header', () => {
    const h = identityHeaders({ ...user, preferred_username: 'zoë\r\nX-Evil: 1@contoso.com' }, ['appservice']);
    const value = h['x-ms-client-principal-name']!;
    expect(value).not.toMatch(/[\r\n]/);
    expect(Buffer.from(value, 'latin1').toString('utf8')).toBe('zoëX-Evil: 1@contoso.com');
  });
});

describe('prepareUpstreamHeaders', () => {
  const options = {
    identity: { 'x-ms-client-principal-id': user.oid, 'x-mha-identity': 'signed' },
    passCookies: false,
    ourCookies: ['mha.sid', 'mha.auth'],
    publicUrl: new URL('https://mha.example.com'),
    requestId: 'req-1',
    clientIp: '203.0.113.9',
    websocket: false,
  };

  it('removes spoofed identity, hop-by-hop and Connection-listed headers, and our cookies; sets ours', () => {
    const headers: IncomingHttpHeaders = {
      host: 'evil.example',
      'x-ms-client-principal-id': 'spoofed',
      'x-mha-identity': 'forged',
      x_forwarded_user: 'admin',
      connection: 'keep-alive, X-Custom-Hop',
      'x-custom-hop': 'x',
      'keep-alive': 'timeout=5',
      expect: '100-continue',
      forwarded: 'for=1.2.3.4',
      'x-forwarded-for': '1.2.3.4',
      cookie: 'theme=dark; mha.sid=s%3Aabc.def; mha.auth=xyz; other=1',
      authorization: 'Bearer keep-me',
    };
    const removed = prepareUpstreamHeaders(headers, options);
    expect(removed.sort()).toEqual(['forwarded', 'x-forwarded-for', 'x-mha-identity', 'x-ms-client-principal-id', 'x_forwarded_user']);
    expect(headers).toEqual({
      host: 'mha.example.com',
      'x-ms-client-principal-id': user.oid,
      'x-mha-identity': 'signed',
      cookie: 'theme=dark; other=1',
      authorization: 'Bearer keep-me',
      'x-forwarded-host': 'mha.example.com',
      'x-forwarded-proto': 'https',
      'x-forwarded-port': '443',
      'x-forwarded-for': '203.0.113.9',
      'x-request-id': 'req-1',
    });
  });

  it('forwards the cookies untouched with PASS_COOKIES and keeps the upgrade headers for a websocket', () => {
    const headers: IncomingHttpHeaders = { cookie: 'mha.sid=s%3Aabc.def', connection: 'Upgrade', upgrade: 'websocket' };
    prepareUpstreamHeaders(headers, { ...options, passCookies: true, websocket: true });
    expect(headers.cookie).toBe('mha.sid=s%3Aabc.def');
    expect(headers.connection).toBe('Upgrade');
    expect(headers.upgrade).toBe('websocket');
  });

  it('drops the Cookie header when only our cookies were in it', () => {
    const headers: IncomingHttpHeaders = { cookie: 'mha.sid=a; mha.auth=b' };
    prepareUpstreamHeaders(headers, options);
    expect(headers.cookie).toBeUndefined();
  });
});

describe('rewriteLocation', () => {
  const up = 'http://backend:8080';
  const pub = 'https://mha.example.com';
  it.each([
    ['http://backend:8080/mha/x?y=1#z', 'https://mha.example.com/mha/x?y=1#z'],
    ['//backend:8080/mha/x', 'https://mha.example.com/mha/x'],
    ['HTTP://BACKEND:8080/mha/', 'https://mha.example.com/mha/'],
    ['/mha/relative', '/mha/relative'],
    ['relative/path', 'relative/path'],
    ['https://login.microsoftonline.com/x', 'https://login.microsoftonline.com/x'],
    ['http://backend:9090/other-port', 'http://backend:9090/other-port'],
    ['http://backend:8080.evil.example/', 'http://backend:8080.evil.example/'],
    ['http://[bad', 'http://[bad'],
  ])('%s -> %s', (location, expected) => {
    expect(rewriteLocation(location, up, pub)).toBe(expected);
  });
});

describe('matchesPrefix', () => {
  it.each<[string, boolean]>([
    ['/mha', true],
    ['/mha/', true],
    ['/MHA/profile', true],
    ['/mhax', false],
    ['/reports/2024', true],
    ['/auth/login', false],
    ['/', false],
  ])('%s -> %s', (path, expected) => {
    expect(matchesPrefix(path, ['/mha', '/reports'])).toBe(expected);
  });
});

describe('clientIpFrom (trust proxy as a hop count)', () => {
  it.each<[number, string | undefined, string]>([
    [0, '6.6.6.6', '10.0.0.1'],
    [1, '6.6.6.6, 198.51.100.7', '198.51.100.7'],
    [2, '6.6.6.6, 198.51.100.7', '6.6.6.6'],
    [3, '198.51.100.7', '198.51.100.7'],
    [1, undefined, '10.0.0.1'],
  ])('hops %i, X-Forwarded-For %s -> %s', (hops, xff, expected) => {
    expect(clientIpFrom('10.0.0.1', xff, hops)).toBe(expected);
  });
});

describe('cookies', () => {
  it('reads the first cookie of a name, decoded, as express-session does', () => {
    expect(firstCookie('a=1; mha.sid=s%3Aabc.def; mha.sid=second', 'mha.sid')).toBe('s:abc.def');
    expect(firstCookie('mha.sid=%E0%A4%A', 'mha.sid')).toBe('%E0%A4%A');
    expect(firstCookie(undefined, 'mha.sid')).toBeUndefined();
    expect(withoutCookies('a=1;mha.sid=x;  b=2', ['mha.sid'])).toBe('a=1; b=2');
  });
});
