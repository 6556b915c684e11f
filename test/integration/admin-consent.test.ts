import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FABRIKAM_TENANT_ID } from '../../src/dev/emulator.js';
import { Browser } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ env: { ENTRA_TENANT_ID: 'organizations', ENTRA_ALLOWED_TENANTS: '4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71' } });
});
afterEach(async () => {
  await h.close();
});

describe('admin consent for onboarding a customer tenant', () => {
  it('sends the admin to the tenant\'s adminconsent endpoint and reports the granted tenant to add to the allow-list', async () => {
    const browser = new Browser();
    const start = await browser.request(`${h.baseUrl}/auth/admin-consent?tenant=${FABRIKAM_TENANT_ID}`);
    expect(start.status).toBe(302);
    const to = new URL(start.headers.get('location')!);
    expect(to.origin + to.pathname).toBe(`${h.emulator.authorityHost}/${FABRIKAM_TENANT_ID}/v2.0/adminconsent`);
    expect(to.searchParams.get('client_id')).toBe(h.config.entra.clientId);
    expect(to.searchParams.get('redirect_uri')).toBe(`${h.baseUrl}/auth/admin-consent/callback`);
    expect(to.searchParams.get('scope')).toBe(`${h.emulator.authorityHost}/.default`);

    const { res, url } = await browser.follow(to.href);
    expect(url.startsWith(`${h.baseUrl}/auth/admin-consent/callback?`)).toBe(true);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Admin consent granted');
    expect(html).toContain(`add ${FABRIKAM_TENANT_ID} to ENTRA_ALLOWED_TENANTS`);
    expect(h.logs.some((l) => l['event'] === 'admin_consent.result' && l['granted'] === true && l['tenant'] === FABRIKAM_TENANT_ID)).toBe(true);
  });

  it('reports a refused consent with Entra\'s error', async () => {
    h.emulator.adminConsent = 'deny';
    const browser = new Browser();
    const { res } = await browser.follow(`${h.baseUrl}/auth/admin-consent?tenant=fabrikam.com`);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Admin consent was not granted');
    expect(html).toContain('AADSTS65004');
  });

  it('refuses a callback that was not started in this browser (forged success link)', async () => {
    const forged = await fetch(`${h.baseUrl}/auth/admin-consent/callback?tenant=${FABRIKAM_TENANT_ID}&admin_consent=True&state=abc`, { headers: { accept: 'text/html' } });
    expect(forged.status).toBe(400);
    expect(await forged.text()).not.toContain('Admin consent granted');
  });

  it.each(['', 'tenant=', 'tenant=not%20a%20tenant', 'tenant=..%2F..%2Fevil'])('refuses a bad tenant (%s) with a 400 and no redirect', async (query) => {
    const res = await fetch(`${h.baseUrl}/auth/admin-consent?${query}`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });
});
