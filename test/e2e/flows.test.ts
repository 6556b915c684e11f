import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHarness, type Harness } from '../support/harness.js';
import { expectAccessible, launchChromium, newContext, pickAccount, screenshot, watchPage } from './support/chromium.js';

let browser: Browser;
let h: Harness;
let context: BrowserContext;
let page: Page;
let watched: { problems: string[] };

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  // App on `localhost`, emulator on 127.0.0.1: two sites, like the app and login.microsoftonline.com.
  h = await startHarness({ appHost: 'localhost' });
  context = await newContext(browser);
  page = await context.newPage();
  watched = watchPage(page);
});
afterEach(async () => {
  await context?.close();
  await h?.close();
  expect(watched.problems, 'CSP violations or script errors').toEqual([]);
});

const bSimon = () => h.emulator.users.find((u) => u.name === 'B.Simon')!;

async function signInFromLanding(): Promise<void> {
  await page.goto(`${h.baseUrl}/`);
  await page.getByRole('link', { name: 'Sign in with Microsoft' }).click();
  await page.waitForURL(`${h.emulator.authorityHost}/**`);
  await pickAccount(page, 'B.Simon');
  await page.waitForURL(`${h.baseUrl}/mha/`);
}

describe('sign-in in a real browser', () => {
  it('clicks "Sign in with Microsoft", picks B.Simon on the emulator and lands on /mha/ with the name shown', async () => {
    await page.goto(`${h.baseUrl}/`);
    await screenshot(page, 'flow-01-landing');
    await page.getByRole('link', { name: 'Sign in with Microsoft' }).click();
    await page.waitForURL(`${h.emulator.authorityHost}/**`);
    await expect(page.getByRole('heading', { name: 'Pick an account' }).isVisible()).resolves.toBe(true);
    await screenshot(page, 'flow-02-emulator-picker');
    await pickAccount(page, 'B.Simon');
    await page.waitForURL(`${h.baseUrl}/mha/`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Welcome, B.Simon');
    expect(await page.locator('header').textContent()).toContain('Signed in as B.Simon');
    await expectAccessible(page, 'MHA home');
    await screenshot(page, 'flow-03-mha-home');
  });

  it('brings a signed-out deep link to /mha/profile back to /mha/profile after sign-in', async () => {
    await page.goto(`${h.baseUrl}/mha/profile`);
    await page.waitForURL(`${h.emulator.authorityHost}/**`);
    await pickAccount(page, 'B.Simon');
    await page.waitForURL(`${h.baseUrl}/mha/profile`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Your profile');
    expect(await page.getByRole('row', { name: /Object ID/ }).textContent()).toContain(bSimon().oid);
    await screenshot(page, 'flow-04-profile');
  });

  it('signs out with the button through Entra back to a signed-out start page, and Back shows nothing private', async () => {
    await signInFromLanding();
    await page.getByRole('link', { name: 'See your profile' }).click();
    await page.waitForURL(`${h.baseUrl}/mha/profile`);
    const endSessionSeen = page.waitForRequest((r) => r.url().startsWith(`${h.emulator.authorityHost}/${h.emulator.tenantId}/oauth2/v2.0/logout`));
    // Sign out is in the account menu (issue 15).
    await page.getByRole('banner').locator('.account-menu > summary').click();
    await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    const endSession = new URL((await endSessionSeen).url());
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${h.baseUrl}/`);
    await page.waitForURL(`${h.baseUrl}/`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('You have signed out');
    expect(await page.getByRole('status').isVisible()).toBe(true);
    expect(await page.getByRole('navigation', { name: 'Account' }).count()).toBe(0);
    await expectAccessible(page, 'signed-out confirmation');
    await screenshot(page, 'flow-05-signed-out');

    // Back through the history: never the profile again, only sign-in (pages are no-store, the session is gone).
    for (let i = 0; i < 4; i++) {
      const res = await page.goBack({ waitUntil: 'load' }).catch(() => null);
      if (!res && page.url() === 'about:blank') break;
      const body = (await page.locator('body').textContent()) ?? '';
      expect(body, `after Back #${i + 1} at ${page.url()}`).not.toContain(bSimon().oid);
      expect(body).not.toContain('Welcome, B.Simon');
      expect(page.url()).not.toBe(`${h.baseUrl}/mha/profile`);
    }
    expect(await (await context.request.get(`${h.baseUrl}/api/me`, { headers: { accept: 'application/json' } })).status()).toBe(401);
  });

  it('shows the 403 page naming the missing role on the admin-only page, and lets A.Admin in', async () => {
    await signInFromLanding();
    const res = await page.goto(`${h.baseUrl}/mha/admin`);
    expect(res?.status()).toBe(403);
    const alert = page.getByRole('alert');
    expect(await alert.getByRole('heading', { level: 1 }).textContent()).toBe('You need the app role MHA.Admin to open this page.');
    expect(await page.getByRole('link', { name: 'Sign in with a different account' }).isVisible()).toBe(true);
    await expectAccessible(page, '403 page');
    await screenshot(page, 'flow-07-forbidden');

    // Another account through Entra's picker (prompt=select_account), straight back to the admin page.
    await page.getByRole('link', { name: 'Sign in with a different account' }).click();
    await page.waitForURL(`${h.emulator.authorityHost}/**`);
    await pickAccount(page, 'A.Admin');
    await page.waitForURL(`${h.baseUrl}/mha/admin`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Administration');
    await expectAccessible(page, 'admin page');
    await screenshot(page, 'flow-08-admin');
  });

  it('shows the friendly page for AADSTS50105 (user not assigned), announced as an alert', async () => {
    await page.goto(`${h.baseUrl}/auth/login`);
    await pickAccount(page, 'U.Unassigned');
    // Moved to a reloadable error page URL (issue 15).
    await page.waitForURL(`${h.baseUrl}/auth/error?ref=**`);
    const alert = page.getByRole('alert');
    expect(await alert.getByRole('heading', { level: 1 }).textContent()).toBe('Your account has not been given access to iLOGON_MHA');
    expect(await page.locator('main').textContent()).toContain('AADSTS50105');
    // Issue 15: signing in again as the same account cannot work; another account can.
    expect(await page.getByRole('link', { name: 'Sign in with a different account' }).isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: 'Try signing in again' }).count()).toBe(0);
    await expectAccessible(page, 'AADSTS50105 page');
    await screenshot(page, 'flow-06-aadsts50105');
  });
});

describe('front-channel logout', () => {
  it('signs the user out through a hidden iframe from the emulator origin, which carries none of our cookies', async () => {
    await signInFromLanding();
    const cookiesBefore = await context.cookies(h.baseUrl);
    expect(cookiesBefore.map((c) => c.name)).toContain('mha.sid');

    // The user signs out at Entra from elsewhere (another app, or their account page), in another tab.
    const other = await context.newPage();
    const otherWatched = watchPage(other);
    const frontchannel = other.waitForRequest((r) => r.url().startsWith(`${h.baseUrl}/auth/frontchannel-logout?sid=`));
    const response = other.waitForResponse((r) => r.url().startsWith(`${h.baseUrl}/auth/frontchannel-logout?sid=`));
    await other.goto(`${h.emulator.authorityHost}/${h.emulator.tenantId}/oauth2/v2.0/logout`);
    const request = await frontchannel;
    // Loaded in a hidden iframe whose parent is the emulator's page, i.e. a third-party context.
    const frame = request.frame();
    expect(frame.parentFrame()).not.toBeNull();
    expect(new URL(frame.parentFrame()!.url()).origin).toBe(h.emulator.authorityHost);
    expect(await other.locator('iframe.frontchannel').isHidden()).toBe(true);
    const headers = await request.allHeaders();
    expect(headers['cookie'] ?? '', 'the app cookie must not reach the third-party iframe').not.toContain('mha.sid');
    expect((await response).status()).toBe(200);
    await other.waitForURL(`${h.emulator.authorityHost}/**/logout/success**`);
    // The app lets the emulator's origin (and only it) frame this route: no "Refused to frame" on the way.
    expect(otherWatched.problems).toEqual([]);
    expect(await other.getByRole('heading', { level: 1 }).textContent()).toBe('You signed out of your account');
    expect(h.logs.some((l) => l['event'] === 'signout' && l['reason'] === 'frontchannel' && l['sessions'] === 1)).toBe(true);

    // Back in the first tab: the session is gone, so the private page sends the user to sign in.
    await page.reload();
    await page.waitForURL(`${h.emulator.authorityHost}/**`);
    expect(await page.getByRole('heading', { name: 'Pick an account' }).isVisible()).toBe(true);
  });
});
