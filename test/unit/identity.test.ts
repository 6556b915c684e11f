import { describe, expect, it } from 'vitest';
import { jwtVerify } from 'jose';
import type { SessionUser } from '../../src/auth/session-user.js';
import { createIdentity, IDENTITY_HEADERS_MAX_BYTES } from '../../src/gateway/identity.js';
import { createIdentitySigner } from '../../src/gateway/identity-token.js';
import { clientPrincipal, headerBytes } from '../../src/gateway/identity-headers.js';

const SECRET = 'unit-identity-secret-0123456789abcdefgh';
const group = (i: number) => `0a0b0c0d-0000-4000-8000-${String(i).padStart(12, '0')}`;
const userWith = (groups: number): SessionUser => ({
  tid: '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71',
  oid: '11111111-2222-4333-8444-555555555555',
  sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
  name: 'Bartholomew Simonsen-Longname',
  preferred_username: 'bartholomew.simonsen@contoso.onmicrosoft.com',
  email: 'bartholomew.simonsen@contoso.onmicrosoft.com',
  roles: ['MHA.Admin', 'MHA.Reader'],
  groups: Array.from({ length: groups }, (_, i) => group(i + 1)),
});
const signer = createIdentitySigner({ alg: 'HS256', key: SECRET }, 'https://mha.example.com', 'http://backend:8080');
const identityFor = createIdentity({ sets: ['appservice', 'forwarded'], signer, graphHost: 'https://graph.microsoft.com' });
const binding = { method: 'GET', path: '/mha/reports' };
const principalOf = (h: Record<string, string>) =>
  JSON.parse(Buffer.from(h['x-ms-client-principal']!, 'base64').toString('utf8')) as ReturnType<typeof clientPrincipal>;

describe('issue 14 item 4: identity headers capped, the overage beyond', () => {
  it.each([0, 3, 30, 200, 250])('%i groups: under 4 KB in all, every group listed or none (overage marker)', async (n) => {
    const user = userWith(n);
    const h = await identityFor(user, binding);
    expect(headerBytes(h)).toBeLessThanOrEqual(IDENTITY_HEADERS_MAX_BYTES);
    const { payload } = await jwtVerify(h['x-mha-identity']!, new TextEncoder().encode(SECRET));
    const principalGroups = principalOf(h).claims.filter((c) => c.typ === 'groups').map((c) => c.val);
    if (h['x-mha-groups-overage']) {
      expect(n).toBeGreaterThan(0);
      const endpoint = `https://graph.microsoft.com/v1.0/users/${user.oid}/getMemberObjects`;
      expect(h['x-mha-groups-overage']).toBe(endpoint);
      expect(h['x-forwarded-groups']).toBeUndefined();
      expect(principalGroups).toEqual([]);
      expect(principalOf(h).claims).toContainEqual({ typ: '_claim_names', val: '{"groups":"src1"}' });
      expect(payload['groups']).toBeUndefined();
      expect(payload).toMatchObject({ _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint } } });
    } else {
      expect(principalGroups).toEqual(user.groups);
      expect(payload['groups']).toEqual(user.groups);
      expect(h['x-forwarded-groups'] ?? '').toBe(user.groups.join(','));
    }
  });

  it('lists a few groups, and gives 30 and 200 the overage (each would need far more than 4 KB)', async () => {
    expect((await identityFor(userWith(3), binding))['x-mha-groups-overage']).toBeUndefined();
    expect((await identityFor(userWith(30), binding))['x-mha-groups-overage']).toBeDefined();
    expect((await identityFor(userWith(200), binding))['x-mha-groups-overage']).toBeDefined();
    // Without the cap, as before: 200 groups weighed 37 KB.
    const uncapped = createIdentity({ sets: ['appservice', 'forwarded'], signer, graphHost: 'https://graph.microsoft.com', maxBytes: Infinity });
    expect(headerBytes(await uncapped(userWith(200), binding))).toBeGreaterThan(30_000);
  });
});

describe('issue 14 item 6: X-MHA-Identity bound to one request', () => {
  it('names the method and path it was made for, lives 60 s and has a jti', async () => {
    const a = await identityFor(userWith(0), { method: 'DELETE', path: '/mha/admin/x' });
    const b = await identityFor(userWith(0), { method: 'DELETE', path: '/mha/admin/x' });
    const { payload } = await jwtVerify(a['x-mha-identity']!, new TextEncoder().encode(SECRET), { issuer: 'https://mha.example.com', audience: 'http://backend:8080' });
    expect(payload).toMatchObject({ mha_method: 'DELETE', mha_path: '/mha/admin/x' });
    expect(payload.exp! - payload.iat!).toBe(60);
    const other = await jwtVerify(b['x-mha-identity']!, new TextEncoder().encode(SECRET));
    expect(other.payload.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(other.payload.jti).not.toBe(payload.jti);
  });

  it('carries no method claim when the proxy named none, or named something that is not a method', async () => {
    for (const method of [undefined, 'GET\r\nX: y', '']) {
      const h = await identityFor(userWith(0), { method, path: '/mha/' });
      const { payload } = await jwtVerify(h['x-mha-identity']!, new TextEncoder().encode(SECRET));
      expect(payload['mha_method']).toBeUndefined();
      expect(payload['mha_path']).toBe('/mha/');
    }
  });
});
