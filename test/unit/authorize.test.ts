import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { requireGroup, requireRole } from '../../src/auth/authorize.js';
import type { SessionUser } from '../../src/auth/session-user.js';
import { errorHandler } from '../../src/error-pages/error-handler.js';
import { createViews } from '../../src/http/views.js';

const GROUP = '0b3c5d7e-1111-4a2b-8c9d-000000000001';

/** A tiny app whose "session" is whatever user the test gives: the gates and the real error handler. */
function appWith(user: Partial<SessionUser> | undefined, gate: express.RequestHandler) {
  const app = express();
  app.use((req, res, next) => {
    (req as unknown as { session: unknown }).session = user ? { user: { roles: [], groups: [], ...user } } : {};
    res.locals['requestId'] = 'r1';
    res.locals['user'] = (req as unknown as { session: { user?: unknown } }).session.user;
    next();
  });
  app.get(['/page', '/api/x'], gate, (_req, res) => {
    res.send('ok');
  });
  app.use(errorHandler(createViews({ cache: false })));
  return app;
}

describe('requireGroup', () => {
  it.each([
    ['a member (ids compared case-insensitively)', [GROUP.toUpperCase()], 200],
    ['a member of another group', ['0b3c5d7e-1111-4a2b-8c9d-000000000002'], 403],
    ['in no group', [], 403],
  ])('answers %s with %i', async (_name, groups, status) => {
    const res = await request(appWith({ groups }, requireGroup(GROUP))).get('/page');
    expect(res.status).toBe(status);
    if (status === 403) expect(res.text).toContain('Sign in with a different account');
  });

  it('answers an API caller without the group with 403 JSON naming the group', async () => {
    const res = await request(appWith({ groups: [] }, requireGroup(GROUP))).get('/api/x');
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'missing_group', requiredGroups: [GROUP] });
  });

  it('sends a visitor without a session to sign-in (page) or 401 (API)', async () => {
    const page = await request(appWith(undefined, requireGroup(GROUP))).get('/page');
    expect(page.status).toBe(302);
    expect(page.headers['location']).toBe('/auth/login?returnTo=%2Fpage');
    expect((await request(appWith(undefined, requireGroup(GROUP))).get('/api/x')).status).toBe(401);
  });
});

describe('requireRole', () => {
  it('passes on any one of several roles and refuses none of them', async () => {
    const gate = requireRole('MHA.Admin', 'MHA.Operator');
    expect((await request(appWith({ roles: ['MHA.Operator'] }, gate)).get('/page')).status).toBe(200);
    const res = await request(appWith({ roles: ['MHA.Reader'] }, gate)).get('/api/x');
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'missing_role', requiredRoles: ['MHA.Admin', 'MHA.Operator'] });
  });

  it('is case-sensitive, as Entra role values are', async () => {
    expect((await request(appWith({ roles: ['mha.admin'] }, requireRole('MHA.Admin'))).get('/page')).status).toBe(403);
  });

  it('refuses to build a gate that requires nothing (it would let everyone in)', () => {
    expect(() => requireRole()).toThrow(/at least one/);
    expect(() => requireRole(' ')).toThrow(/at least one/);
    expect(() => requireGroup()).toThrow(/at least one/);
  });
});

describe('role settings', () => {
  it('refuses an app role display name (with spaces) in MHA_ADMIN_ROLE and MHA_REQUIRED_ROLE, naming both', async () => {
    const { parseConfig } = await import('../../src/config.js');
    const base = {
      NODE_ENV: 'test',
      ENTRA_TENANT_ID: '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71',
      ENTRA_CLIENT_ID: '0c6b8f3e-2d4a-4e9b-8f7c-1a2b3c4d5e6f',
      ENTRA_CLIENT_SECRET: 'a-secret-value',
    };
    expect(() => parseConfig({ ...base, MHA_ADMIN_ROLE: 'MHA Administrators', MHA_REQUIRED_ROLE: 'All Users' })).toThrow(
      /MHA_ADMIN_ROLE: expected an app role Value[\s\S]*MHA_REQUIRED_ROLE: expected an app role Value/,
    );
    const config = parseConfig(base);
    expect(config.authorization).toEqual({ adminRole: 'MHA.Admin', requiredRole: undefined });
  });
});
