import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { DEFAULT_USERS, EMULATOR_CLIENT_ID, EMULATOR_TENANT_ID, FABRIKAM_TENANT_ID, OTHER_TENANT_USERS, PERSONAL_TENANT_ID, WOODGROVE_TENANT_ID } from '../../src/dev/emulator.js';
import { Browser } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';

const USERS = [...DEFAULT_USERS, ...OTHER_TENANT_USERS];
let h: Harness | undefined;
async function start(tenant: 'organizations' | 'common' | 'single', allowed: string[] = []): Promise<Harness> {
  h = await startHarness({
    users: USERS,
    env: tenant === 'single' ? {} : { ENTRA_TENANT_ID: tenant, ENTRA_ALLOWED_TENANTS: allowed.join(',') },
  });
  return h;
}
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function me(browser: Browser, h: Harness): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await browser.request(`${h.baseUrl}/api/me`, { headers: { accept: 'application/json' } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('multi-tenant: ENTRA_TENANT_ID=organizations with ENTRA_ALLOWED_TENANTS', () => {
  it('refuses to start without ENTRA_ALLOWED_TENANTS, or with an entry that is not a GUID', () => {
    const base = { NODE_ENV: 'test', ENTRA_CLIENT_ID: EMULATOR_CLIENT_ID, ENTRA_CLIENT_SECRET: 'a-secret-value' };
    expect(() => parseConfig({ ...base, ENTRA_TENANT_ID: 'organizations' })).toThrow(/ENTRA_ALLOWED_TENANTS: required when ENTRA_TENANT_ID is organizations or common/);
    expect(() => parseConfig({ ...base, ENTRA_TENANT_ID: 'common', ENTRA_ALLOWED_TENANTS: `${FABRIKAM_TENANT_ID},contoso.com` })).toThrow(
      /ENTRA_ALLOWED_TENANTS: expected tenant IDs \(GUIDs\) separated by commas; not a GUID: "contoso.com"/,
    );
    expect(() => parseConfig({ ...base, ENTRA_TENANT_ID: EMULATOR_TENANT_ID, ENTRA_ALLOWED_TENANTS: FABRIKAM_TENANT_ID })).toThrow(/ENTRA_ALLOWED_TENANTS: only used when/);
    expect(() => parseConfig({ ...base, ENTRA_TENANT_ID: 'consumers' })).toThrow(/ENTRA_TENANT_ID: "consumers" signs in personal Microsoft accounts only/);
    const ok = parseConfig({ ...base, ENTRA_TENANT_ID: 'Organizations', ENTRA_ALLOWED_TENANTS: ` ${FABRIKAM_TENANT_ID.toUpperCase()} ` });
    expect(ok.entra).toMatchObject({ multiTenant: true, tenantId: 'organizations', allowedTenants: [FABRIKAM_TENANT_ID] });
    expect(ok.entra.discoveryUrl.href).toBe('https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration');
  });

  it('discovers Entra\'s {tenantid} issuer template and sends the user to the organizations endpoint', async () => {
    const h = await start('organizations', [FABRIKAM_TENANT_ID]);
    expect(h.oidc.configuration().serverMetadata().issuer).toBe(`${h.emulator.authorityHost}/{tenantid}/v2.0`);
    const res = await fetch(`${h.baseUrl}/auth/login`, { redirect: 'manual' });
    const location = new URL(res.headers.get('location')!);
    expect(location.pathname).toBe('/organizations/oauth2/v2.0/authorize');
  });

  it('signs in a user of an allowed tenant, keyed by that tenant\'s tid', async () => {
    const h = await start('organizations', [FABRIKAM_TENANT_ID]);
    const browser = new Browser();
    const { res } = await browser.signIn(`${h.baseUrl}/auth/login`, 'F.Fabrikam');
    expect(res.status).toBe(200);
    const { status, body } = await me(browser, h);
    expect(status).toBe(200);
    expect(body).toMatchObject({ tid: FABRIKAM_TENANT_ID, preferred_username: 'F.Fabrikam@fabrikam.com' });
  });

  it('refuses a user of a tenant not in the list with a 403 "your organization is not enabled" page and no session', async () => {
    const h = await start('organizations', [FABRIKAM_TENANT_ID]);
    const browser = new Browser();
    const { res, url } = await browser.signIn(`${h.baseUrl}/auth/login`, 'W.Woodgrove');
    expect(url).toContain('/auth/callback');
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain('Your organization is not enabled for iLOGON_MHA');
    expect(html).toContain('/auth/login?prompt=select_account');
    expect((await me(browser, h)).status).toBe(401);
    expect(h.logs.some((l) => l['event'] === 'signin.failure' && l['reason'] === 'wrong_tenant')).toBe(true);
    expect(JSON.stringify(h.logs)).toContain(WOODGROVE_TENANT_ID);
  });

  it('refuses a personal Microsoft account unless its tenant is allowed', async () => {
    const h = await start('common', [FABRIKAM_TENANT_ID]);
    const browser = new Browser();
    const { res } = await browser.signIn(`${h.baseUrl}/auth/login`, 'P.Personal');
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Personal Microsoft accounts cannot sign in to iLOGON_MHA');
    await h.close();

    const allowed = await start('common', [FABRIKAM_TENANT_ID, PERSONAL_TENANT_ID]);
    const other = new Browser();
    expect((await other.signIn(`${allowed.baseUrl}/auth/login`, 'P.Personal')).res.status).toBe(200);
    expect((await me(other, allowed)).body['tid']).toBe(PERSONAL_TENANT_ID);
  });

  it('refuses a token whose iss names another tenant than its tid (401, no session)', async () => {
    const h = await start('organizations', [FABRIKAM_TENANT_ID, EMULATOR_TENANT_ID]);
    const browser = new Browser();
    const { res } = await browser.signIn(`${h.baseUrl}/auth/login`, 'X.Forged');
    expect(res.status).toBe(401);
    expect((await me(browser, h)).status).toBe(401);
    // The same tenant's honest users still sign in.
    expect((await new Browser().signIn(`${h.baseUrl}/auth/login`, 'B.Simon')).res.status).toBe(200);
  });
});

describe('single tenant with users of other tenants around', () => {
  it('refuses the forged iss/tid token and lets Entra refuse a foreign user (AADSTS50020)', async () => {
    const h = await start('single');
    const forged = await new Browser().signIn(`${h.baseUrl}/auth/login`, 'X.Forged');
    expect(forged.res.status).toBe(401);
    const foreign = await new Browser().signIn(`${h.baseUrl}/auth/login`, 'F.Fabrikam');
    expect(foreign.res.status).toBe(400);
    expect(await foreign.res.text()).toContain('AADSTS50020');
  });
});
