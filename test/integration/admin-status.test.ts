import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_CLIENT_SECRET } from '../../src/dev/emulator.js';
import { Browser } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

describe('/mha/admin/status', () => {
  it('shows an admin the live checks, the failures by code, the configuration without secrets and versions', async () => {
    // Two failed sign-ins by someone else first.
    h.emulator.faults.authorizeError = 50105;
    await new Browser().follow(`${h.baseUrl}/auth/login`);
    await new Browser().follow(`${h.baseUrl}/auth/login`);
    h.emulator.faults.reset();

    const admin = new Browser();
    await admin.signIn(`${h.baseUrl}/auth/login`, 'A.Admin');
    const res = await admin.request(`${h.baseUrl}/mha/admin/status`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const page = await res.text();
    expect(page).toContain('Sign-in status');
    // Each check: its status as a word with an icon (issue 15), then its title.
    const check = (title: string, status: string) => new RegExp(`<li class="check check-${status}">\\s*<span class="status-badge badge-${status}"><span aria-hidden="true">.</span> ${status}</span>\\s*<div class="check-body">\\s*<h3 class="check-title">${title}</h3>`);
    expect(page).toMatch(check('Discovery', 'ok'));
    expect(page).toMatch(check('Client ID and secret', 'ok'));
    expect(page).toMatch(/<th scope="row"><code>AADSTS50105<\/code><\/th>\s*<td data-label="Count">2<\/td>\s*<td data-label="Meaning">The user is not assigned to the app<\/td>/);
    expect(page).toContain(`<code>${h.config.redirectUri}</code>`);
    expect(page).toContain(h.config.entra.clientId);
    expect(page).not.toContain(EMULATOR_CLIENT_SECRET);

    const json = await admin.request(`${h.baseUrl}/mha/admin/status`, { headers: { accept: 'application/json' } });
    const body = (await json.json()) as { checks: Array<{ id: string; status: string }>; failures: Array<{ code: string; count: number }>; versions: Record<string, string> };
    expect(body.checks.filter((c) => c.status === 'problem')).toEqual([]);
    expect(body.checks.map((c) => c.id)).toEqual(expect.arrayContaining(['discovery', 'issuer', 'keys', 'clock', 'client_credentials', 'redirect_uri']));
    expect(body.failures).toEqual([expect.objectContaining({ code: 'AADSTS50105', count: 2 })]);
    expect(body.versions['node']).toBe(process.versions.node);
    expect(body.versions['openid-client']).toMatch(/^6\./);
    expect(JSON.stringify(body)).not.toContain(EMULATOR_CLIENT_SECRET);
  });

  it('shows a problem live when Entra starts refusing the secret', async () => {
    const admin = new Browser();
    await admin.signIn(`${h.baseUrl}/auth/login`, 'A.Admin');
    h.emulator.faults.secretExpired = true;
    try {
      const res = await admin.request(`${h.baseUrl}/mha/admin/status`, { headers: { accept: 'application/json' } });
      const body = (await res.json()) as { checks: Array<{ id: string; status: string; aadsts?: string }> };
      expect(body.checks.find((c) => c.id === 'client_credentials')).toMatchObject({ status: 'problem', aadsts: '7000222' });
    } finally {
      h.emulator.faults.reset();
    }
  });

  it('is closed to users without the admin role and to anonymous visitors', async () => {
    const user = new Browser();
    await user.signIn(`${h.baseUrl}/auth/login`, 'B.Simon');
    expect((await user.request(`${h.baseUrl}/mha/admin/status`)).status).toBe(403);
    const anonymous = await fetch(`${h.baseUrl}/mha/admin/status`, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toBe(`/auth/login?returnTo=${encodeURIComponent('/mha/admin/status')}`);
  });
});
