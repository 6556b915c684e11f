import { afterEach, describe, expect, it } from 'vitest';
import { Browser, csrfTokenFrom } from '../support/browser.js';
import { startHarness, type Harness, type HarnessOptions } from '../support/harness.js';

let h: Harness | undefined;
async function start(options: HarnessOptions = {}): Promise<Harness> {
  h = await startHarness(options);
  return h;
}
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('app roles: /mha/admin needs MHA.Admin', () => {
  it('lets A.Admin (who holds MHA.Admin) open /mha/admin', async () => {
    const h = await start();
    const browser = new Browser();
    const { res, url } = await browser.signIn(`${h.baseUrl}/mha/admin`, 'A.Admin');
    expect(url).toBe(`${h.baseUrl}/mha/admin`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Administration');
  });

  it('answers B.Simon (no roles) with a 403 page naming MHA.Admin, another-account link and sign-out, never a redirect', async () => {
    const h = await start();
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`, 'B.Simon');
    const res = await browser.request(`${h.baseUrl}/mha/admin`);
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('MHA.Admin');
    expect(html).toContain('Sign in with a different account');
    expect(html).toContain(`href="/auth/login?prompt=select_account&amp;returnTo=${encodeURIComponent('/mha/admin')}"`);
    expect(html).toMatch(/<form method="post" action="\/auth\/logout">/);
    expect(h.logs.some((l) => l['code'] === 'missing_role' && l['status'] === 403)).toBe(true);

    // The sign-out button on the 403 page works (its CSRF token is the session's).
    const out = await browser.request(`${h.baseUrl}/auth/logout`, { method: 'POST', body: `_csrf=${encodeURIComponent(csrfTokenFrom(html))}`, headers: { origin: h.baseUrl } });
    expect(out.status).toBe(303);
    expect((await browser.request(`${h.baseUrl}/api/me`)).status).toBe(401);
  });

  it('"sign in with a different account" shows Entra\'s account picker even while Entra\'s session is alive, then lands on the page', async () => {
    const h = await start();
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`, 'B.Simon');
    const denied = await browser.request(`${h.baseUrl}/mha/admin`);
    const link = /href="(\/auth\/login\?prompt=select_account[^"]+)"/.exec(await denied.text())![1]!.replace(/&amp;/g, '&');

    const login = await browser.request(`${h.baseUrl}${link}`);
    expect(new URL(login.headers.get('location')!).searchParams.get('prompt')).toBe('select_account');
    // Without select_account the emulator's live session would send B.Simon straight back (and the 403 again).
    const { res, url, steps } = await browser.signIn(`${h.baseUrl}${link}`, 'A.Admin');
    expect(steps.some((s) => s.url.includes('/emulator/interaction/'))).toBe(true);
    expect(url).toBe(`${h.baseUrl}/mha/admin`);
    expect(res.status).toBe(200);
  });

  it('honours MHA_ADMIN_ROLE and names that role on the 403 page', async () => {
    const h = await start({ env: { MHA_ADMIN_ROLE: 'Contoso.Operators' } });
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`, 'A.Admin');
    const res = await browser.request(`${h.baseUrl}/mha/admin`);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Contoso.Operators');
  });

  it('gates every page below /mha/admin too (the prefix, not one path)', async () => {
    const h = await start();
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`, 'B.Simon');
    expect((await browser.request(`${h.baseUrl}/mha/admin/anything`)).status).toBe(403);
    const admin = new Browser();
    await admin.signIn(`${h.baseUrl}/auth/login`, 'A.Admin');
    expect((await admin.request(`${h.baseUrl}/mha/admin/anything`)).status).toBe(404);
  });

  it('sends a signed-out visitor of /mha/admin to sign-in, not to the 403 page', async () => {
    const h = await start();
    const res = await fetch(`${h.baseUrl}/mha/admin`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/auth/login?returnTo=${encodeURIComponent('/mha/admin')}`);
  });
});

describe('MHA_REQUIRED_ROLE gates all of /mha/ and /api/', () => {
  it('refuses B.Simon with 403 JSON on the API and a 403 page on /mha/, and admits A.Admin', async () => {
    const h = await start({ env: { MHA_REQUIRED_ROLE: 'MHA.Admin' } });
    const browser = new Browser();
    const { res: landing } = await browser.signIn(`${h.baseUrl}/auth/login`, 'B.Simon');
    expect(landing.status).toBe(403);
    expect(await landing.text()).toContain('MHA.Admin');

    const api = await browser.request(`${h.baseUrl}/api/me`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(403);
    expect(api.headers.get('content-type')).toMatch(/application\/json/);
    expect(await api.json()).toMatchObject({ error: 'missing_role', requiredRoles: ['MHA.Admin'] });

    const admin = new Browser();
    const { res } = await admin.signIn(`${h.baseUrl}/auth/login`, 'A.Admin');
    expect(res.status).toBe(200);
    expect((await admin.request(`${h.baseUrl}/api/me`)).status).toBe(200);
  });

  it('still answers 401 (not 403) to an API call without a session', async () => {
    const h = await start({ env: { MHA_REQUIRED_ROLE: 'MHA.Admin' } });
    const res = await fetch(`${h.baseUrl}/api/me`);
    expect(res.status).toBe(401);
  });
});
