/**
 * Issue 16 item 2: one table of paths with one sign-in link builder, the gated prefixes computed once in the
 * configuration, and one access policy that the built-in pages, the proxy, its websockets and /auth/check share.
 */
import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { createAccessPolicy, runGates } from '../../src/auth/access-policy.js';
import type { SessionUser } from '../../src/auth/session-user.js';
import { parseConfig, type Env } from '../../src/config.js';
import { AccessDeniedError } from '../../src/errors.js';
import { PATHS, signInHref } from '../../src/http/paths.js';

const valid: Env = {
  ENTRA_TENANT_ID: '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71',
  ENTRA_CLIENT_ID: '0c6b8f3e-2d4a-4e9b-8f7c-1a2b3c4d5e6f',
  ENTRA_CLIENT_SECRET: 'abc~DEF.ghi_jkl-mno123456789pqrstuvwxyz',
};

describe('issue 16 item 2: signInHref', () => {
  it.each([
    [{}, '/auth/login'],
    [{ returnTo: '/mha/profile' }, '/auth/login?returnTo=%2Fmha%2Fprofile'],
    [{ returnTo: '/mha/x?a=1&b=2' }, '/auth/login?returnTo=%2Fmha%2Fx%3Fa%3D1%26b%3D2'],
    [{ prompt: 'none', returnTo: '/mha/profile' }, '/auth/login?prompt=none&returnTo=%2Fmha%2Fprofile'],
    [{ prompt: 'select_account' }, '/auth/login?prompt=select_account'],
    [{ prompt: 'select_account', returnTo: '/mha/admin' }, '/auth/login?prompt=select_account&returnTo=%2Fmha%2Fadmin'],
  ] as const)('issue 16 item 2: %j links to %s', (options, href) => {
    expect(signInHref(options)).toBe(href);
    expect(href.startsWith(PATHS.login)).toBe(true);
  });
});

describe('issue 16 item 2: the gated prefixes, computed once', () => {
  it('issue 16 item 2: the built-in pages and API, then UPSTREAM_PATHS, each once', () => {
    expect(parseConfig(valid).gatedPrefixes).toEqual(['/mha', '/api']);
    const gateway = parseConfig({ ...valid, UPSTREAM_URL: 'http://backend:8080', UPSTREAM_PATHS: '/Reports/,/mha,/files' });
    expect(gateway.gatedPrefixes).toEqual(['/mha', '/api', '/reports', '/files']);
    expect(Object.isFrozen(gateway.gatedPrefixes)).toBe(true);
  });
});

const user = (roles: string[]): SessionUser => ({ oid: 'o', tid: 't', sub: 's', roles, groups: [] }) as unknown as SessionUser;

/** Runs the policy's Express gates for a signed-in request, as the built-in pages and the proxy do: passed, or the code. */
function throughGates(policy: ReturnType<typeof createAccessPolicy>, u: SessionUser, path: string): true | string {
  const req = { session: { user: u }, canonicalPath: path, originalUrl: path, path, accepts: () => 'html', get: () => undefined } as unknown as Request;
  const res = { setHeader: () => res, redirect: () => undefined } as unknown as Response;
  let verdict: true | string = 'no answer';
  const next: NextFunction = (err?: unknown) => {
    verdict = err instanceof AccessDeniedError ? err.code : `unexpected ${String(err)}`;
  };
  runGates([policy.gate], req, res, next, () => {
    verdict = true;
  });
  return verdict;
}

describe('issue 16 item 2: one access policy', () => {
  const PATHS_TO_JUDGE = ['/mha', '/mha/', '/mha/profile', '/mha/admin', '/mha/admin/status', '/MHA/Admin/x', '/mha/administrator', '/api/me', '/reports/q'];
  const ROLES = [[], ['MHA.User'], ['MHA.Admin'], ['MHA.User', 'MHA.Admin'], ['mha.admin']];
  for (const requiredRole of [undefined, 'MHA.User']) {
    const policy = createAccessPolicy({ adminRole: 'MHA.Admin', requiredRole });
    it(`issue 16 item 2: required role everywhere, admin role under /mha/admin, and the verdict (websockets) agrees with the gates (HTTP) (MHA_REQUIRED_ROLE=${requiredRole ?? 'unset'})`, () => {
      for (const path of PATHS_TO_JUDGE) {
        const admin = /^\/mha\/admin(\/|$)/i.test(path);
        expect(policy.gatesFor(path), path).toHaveLength((requiredRole ? 1 : 0) + (admin ? 1 : 0));
        for (const roles of ROLES) {
          const expected = (!requiredRole || roles.includes(requiredRole)) && (!admin || roles.includes('MHA.Admin'));
          const label = `${path} as [${roles.join(', ')}]`;
          expect(policy.allows(user(roles), path), label).toBe(expected);
          expect(throughGates(policy, user(roles), path), label).toBe(expected ? true : 'missing_role');
        }
      }
    });
  }
});
