import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ env: { SESSION_IDLE_TIMEOUT_MINUTES: '60', SESSION_ABSOLUTE_TIMEOUT_MINUTES: '60' } });
});
afterEach(async () => {
  await h.close();
});

/** Signs in and keeps the session active until its absolute lifetime (60 min) is over, idle clock fresh. */
async function reachAbsoluteTimeout(browser: Browser): Promise<void> {
  await browser.signIn(`${h.baseUrl}/auth/login`, 'B.Simon');
  h.advance(50 * 60_000);
  expect((await browser.request(`${h.baseUrl}/mha/`)).status).toBe(200);
  h.advance(15 * 60_000);
}

describe('silent re-authentication at the absolute timeout', () => {
  it('renews the session with prompt=none, without the account picker, while Entra\'s session is alive', async () => {
    const browser = new Browser();
    await reachAbsoluteTimeout(browser);
    const before = browser.cookie(h.baseUrl, 'mha.sid');

    const { res, url, steps } = await browser.follow(`${h.baseUrl}/mha/profile`);
    expect(steps[0]).toMatchObject({ status: 302, location: `/auth/login?prompt=none&returnTo=${encodeURIComponent('/mha/profile')}` });
    expect(new URL(steps[1]!.location!).searchParams.get('prompt')).toBe('none');
    expect(steps.some((s) => s.url.includes('/emulator/interaction/'))).toBe(false);
    expect(url).toBe(`${h.baseUrl}/mha/profile`);
    expect(res.status).toBe(200);
    expect(browser.cookie(h.baseUrl, 'mha.sid')).not.toBe(before);
    expect(h.logs.filter((l) => l['event'] === 'signin.success')).toHaveLength(2);
  });

  it('falls back to the interactive sign-in when Entra answers login_required (its session is gone)', async () => {
    const browser = new Browser();
    await reachAbsoluteTimeout(browser);
    // Entra's session cookie is gone (signed out elsewhere, browser restarted): prompt=none cannot succeed.
    const emulatorCookies = browser.jar.get(new URL(h.emulator.authorityHost).hostname)!;
    for (const name of [...emulatorCookies.keys()]) if (name.startsWith('_session')) emulatorCookies.delete(name);

    const { steps, url, res } = await browser.signIn(`${h.baseUrl}/mha/profile`, 'B.Simon');
    const callbackWithError = steps.find((s) => s.url.includes('/auth/callback') && s.url.includes('error=login_required'));
    expect(callbackWithError?.location).toBe(`/auth/login?returnTo=${encodeURIComponent('/mha/profile')}`);
    expect(steps.some((s) => s.url.includes('/emulator/interaction/'))).toBe(true);
    expect(url).toBe(`${h.baseUrl}/mha/profile`);
    expect(res.status).toBe(200);
    expect(h.logs.some((l) => l['event'] === 'signin.silent_fallback' && l['error'] === 'login_required')).toBe(true);
  });

  it('asks interactively (no prompt=none) after an idle timeout: the user was away', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`, 'B.Simon');
    h.advance(61 * 60_000);
    const res = await browser.request(`${h.baseUrl}/mha/profile`);
    expect(res.headers.get('location')).toBe(`/auth/login?returnTo=${encodeURIComponent('/mha/profile')}`);
  });

  it('shows the error page, not a fallback, when a prompt=none sign-in was not what the user started', async () => {
    // An explicit interactive sign-in answered with login_required is an error to show, never a silent retry.
    const browser = new Browser();
    const login = await browser.request(`${h.baseUrl}/auth/login?prompt=login`);
    const state = new URL(login.headers.get('location')!).searchParams.get('state')!;
    const res = await browser.request(`${h.baseUrl}/auth/callback?error=login_required&error_description=AADSTS50058&state=${state}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });
});
