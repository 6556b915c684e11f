import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser, csrfTokenFrom } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

describe('sign-in through the emulator', () => {
  it('signs B.Simon in and lands on returnTo with the identity in /api/me', async () => {
    const browser = new Browser();
    const { res, url } = await browser.signIn(`${h.baseUrl}/auth/login?returnTo=${encodeURIComponent('/mha/profile?tab=1')}`);
    expect(url).toBe(`${h.baseUrl}/mha/profile?tab=1`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('B.Simon@contoso.com');

    const me = await browser.request(`${h.baseUrl}/api/me`, { headers: { accept: 'application/json' } });
    expect(me.status).toBe(200);
    const body = (await me.json()) as Record<string, unknown>;
    const user = h.emulator.users.find((u) => u.name === 'B.Simon')!;
    expect(body).toMatchObject({ oid: user.oid, tid: h.emulator.tenantId, name: 'B.Simon', preferred_username: 'B.Simon@contoso.com', email: 'B.Simon@contoso.com', roles: [] });
    expect(typeof body['sub']).toBe('string');
    expect(h.logs.some((l) => l['event'] === 'signin.success' && l['oid'] === user.oid && l['tid'] === h.emulator.tenantId)).toBe(true);
  });

  it('sends a signed-out page request to sign-in with returnTo and brings the user back', async () => {
    const browser = new Browser();
    const first = await browser.request(`${h.baseUrl}/mha/profile?x=1`);
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe(`/auth/login?returnTo=${encodeURIComponent('/mha/profile?x=1')}`);
    const { url } = await browser.signIn(`${h.baseUrl}/mha/profile?x=1`);
    expect(url).toBe(`${h.baseUrl}/mha/profile?x=1`);
  });

  it('answers 401 JSON to an API call without a session, never a redirect', async () => {
    const res = await fetch(`${h.baseUrl}/api/me`, { redirect: 'manual' });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ error: 'unauthenticated' });
  });

  it('builds the authorization request with PKCE S256, state, nonce and the configured redirect_uri', async () => {
    const res = await fetch(`${h.baseUrl}/auth/login`, { redirect: 'manual', headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example' } });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(`${h.emulator.authorityHost}/${h.emulator.tenantId}/oauth2/v2.0/authorize`);
    const p = location.searchParams;
    expect(p.get('response_type')).toBe('code');
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.get('state')).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(p.get('nonce')).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(p.get('scope')).toBe('openid profile email');
    expect(p.get('redirect_uri')).toBe(`${h.baseUrl}/auth/callback`);
    expect(p.get('response_mode')).toBe('query');
  });

  it('falls back to /mha/ for an off-site returnTo', async () => {
    const browser = new Browser();
    const { url } = await browser.signIn(`${h.baseUrl}/auth/login?returnTo=${encodeURIComponent('//evil.example/x')}`);
    expect(url).toBe(`${h.baseUrl}/mha/`);
  });

  it('issues a new session id at sign-in (a planted cookie is never promoted)', async () => {
    const browser = new Browser();
    browser.setCookie(h.baseUrl, 'mha.sid', 's%3Aplanted.invalidsignature');
    await browser.signIn(`${h.baseUrl}/auth/login`);
    const sid = browser.cookie(h.baseUrl, 'mha.sid');
    expect(sid).toBeDefined();
    expect(sid).not.toContain('planted');

    // And an existing session gets a fresh id when the user signs in again.
    await browser.signIn(`${h.baseUrl}/auth/login`);
    const again = browser.cookie(h.baseUrl, 'mha.sid');
    expect(again).not.toBe(sid);
    const old = await fetch(`${h.baseUrl}/api/me`, { headers: { cookie: `mha.sid=${sid}` } });
    expect(old.status).toBe(401);
  });

  it('sets the session cookie HttpOnly, SameSite=Lax, Path=/ and not Secure on http', async () => {
    const browser = new Browser();
    const url = await browser.untilCallback(`${h.baseUrl}/auth/login`, `${h.baseUrl}/auth/callback`);
    const callback = await browser.request(url);
    expect(callback.status).toBe(302);
    const cookie = callback.headers.getSetCookie().find((c) => c.startsWith('mha.sid='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/i);
    expect(callback.headers.get('cache-control')).toBe('no-store');
  });
});

describe('sign-out', () => {
  it('destroys the session server-side and redirects to end_session with post_logout_redirect_uri and logout_hint', async () => {
    const browser = new Browser();
    const { res } = await browser.signIn(`${h.baseUrl}/auth/login`);
    const token = csrfTokenFrom(await res.text());
    const sid = browser.cookie(h.baseUrl, 'mha.sid')!;

    const logout = await browser.request(`${h.baseUrl}/auth/logout`, { method: 'POST', body: `_csrf=${encodeURIComponent(token)}`, headers: { origin: h.baseUrl } });
    expect(logout.status).toBe(303);
    const location = new URL(logout.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(`${h.emulator.authorityHost}/${h.emulator.tenantId}/oauth2/v2.0/logout`);
    expect(location.searchParams.get('post_logout_redirect_uri')).toBe(`${h.baseUrl}/`);
    expect(location.searchParams.get('client_id')).toBe(h.config.entra.clientId);
    expect(location.searchParams.get('logout_hint')).toBeTruthy();

    // The old cookie is dead on the server, not just cleared in this browser.
    const replay = await fetch(`${h.baseUrl}/api/me`, { headers: { cookie: `mha.sid=${sid}` } });
    expect(replay.status).toBe(401);
    expect(h.logs.some((l) => l['event'] === 'signout')).toBe(true);
  });

  it('refuses a sign-out POST without the CSRF token and keeps the session', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    const bad = await browser.request(`${h.baseUrl}/auth/logout`, { method: 'POST', body: '_csrf=wrong' });
    expect(bad.status).toBe(403);
    const crossSite = await browser.request(`${h.baseUrl}/auth/logout`, { method: 'POST', body: '_csrf=wrong', headers: { origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
    const me = await browser.request(`${h.baseUrl}/api/me`);
    expect(me.status).toBe(200);
  });

  it('ends the sessions of an Entra sid on front-channel logout, without the cookie', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    const other = new Browser();
    await other.signIn(`${h.baseUrl}/auth/login`, 'A.Admin');

    const sid = await sidOf(browser);
    const res = await fetch(`${h.baseUrl}/auth/frontchannel-logout?sid=${encodeURIComponent(sid)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(res.headers.get('content-security-policy')).toContain(`frame-ancestors ${h.emulator.authorityHost}`);

    expect((await browser.request(`${h.baseUrl}/api/me`)).status).toBe(401);
    // Another user's session (another Entra session) is untouched.
    expect((await other.request(`${h.baseUrl}/api/me`)).status).toBe(200);
  });

  it('refuses a front-channel logout without exactly one sid and logs nobody out', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    expect((await fetch(`${h.baseUrl}/auth/frontchannel-logout`)).status).toBe(400);
    expect((await fetch(`${h.baseUrl}/auth/frontchannel-logout?sid=a&sid=b`)).status).toBe(400);
    expect((await fetch(`${h.baseUrl}/auth/frontchannel-logout?sid=unknown`)).status).toBe(200);
    expect((await browser.request(`${h.baseUrl}/api/me`)).status).toBe(200);
  });
});

/** The Entra sid stored for this browser's session, read through the app's own sid index. */
async function sidOf(browser: Browser): Promise<string> {
  const raw = decodeURIComponent(browser.cookie(h.baseUrl, 'mha.sid')!);
  const id = raw.slice(2, raw.lastIndexOf('.'));
  const data = await new Promise<Record<string, unknown>>((resolve, reject) =>
    h.backend.store.get(id, (err, s) => (err ? reject(err) : resolve(s as unknown as Record<string, unknown>))),
  );
  const sid = (data['user'] as { sid?: string }).sid;
  if (!sid) throw new Error('session has no Entra sid');
  return sid;
}
