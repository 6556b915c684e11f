import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CATALOGUES } from '../../src/i18n/i18n.js';
import { startHarness } from '../support/harness.js';
import {
  expectAccessible,
  expectFitsWidth,
  launchChromium,
  newContext,
  pickAccount,
  screenshot,
  watchPage,
  type Language,
  type Scheme,
} from './support/chromium.js';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** Every check a page gets: its language, axe WCAG 2.1 AA, 360px without sideways scroll, a screenshot. */
async function checkPage(page: Page, name: string, language: Language, scheme: Scheme): Promise<void> {
  const label = `${name} (${language}, ${scheme})`;
  expect(await page.getAttribute('html', 'lang'), label).toBe(language);
  expect(await page.locator('h1').count(), `${label}: one h1`).toBe(1);
  await expectAccessible(page, label);
  await expectFitsWidth(page, label);
  await screenshot(page, `page-${name}-${language}-${scheme}`);
}

/**
 * The links marked as the current page in the account navigation (aria-current="page"), and a check that the
 * language switcher marks exactly the page's language as current.
 */
async function currentNavLinks(page: Page, language: Language): Promise<string[]> {
  const text = CATALOGUES[language];
  const languages = page.getByRole('navigation', { name: text['layout.languageNav'] }).locator('a[aria-current]');
  expect(await languages.evaluateAll((links) => links.map((a) => a.getAttribute('lang')))).toEqual([language]);
  const account = page.getByRole('navigation', { name: text['layout.accountNav'] });
  return account.locator('a[aria-current="page"]').evaluateAll((links) => links.map((a) => a.textContent ?? ''));
}

const COMBINATIONS: Array<[Language, Scheme]> = [
  ['en', 'light'],
  ['ja', 'light'],
  ['en', 'dark'],
  ['ja', 'dark'],
];

describe.each(COMBINATIONS)('every page in %s, %s mode', (language, scheme) => {
  const text = CATALOGUES[language];

  it('passes axe, fits 360px, is in the right language and marks the current page in the navigation', async () => {
    const h = await startHarness({ appHost: 'localhost' });
    const context = await newContext(browser, { language, scheme });
    const page = await context.newPage();
    const watched = watchPage(page);
    try {
      await page.goto(`${h.baseUrl}/`);
      expect(await page.getByRole('link', { name: text['landing.signInWithMicrosoft'] }).isVisible()).toBe(true);
      await checkPage(page, 'landing', language, scheme);

      const missing = await page.goto(`${h.baseUrl}/no/such/page`);
      expect(missing?.status()).toBe(404);
      expect(await page.getByRole('alert').getByRole('heading').textContent()).toBe(text['error.not_found']);
      await checkPage(page, '404', language, scheme);

      const stale = await page.goto(`${h.baseUrl}/auth/callback?state=expired&code=x`);
      expect(stale?.status()).toBe(400);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(text['error.signin_unknown_state']);
      await checkPage(page, 'error', language, scheme);

      await page.goto(`${h.baseUrl}/auth/login`);
      await pickAccount(page, 'U.Unassigned');
      await page.waitForURL(`${h.baseUrl}/auth/error?ref=**`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(text['aadsts.50105.title']);
      await checkPage(page, 'aadsts50105', language, scheme);

      await page.goto(`${h.baseUrl}/auth/login`);
      await pickAccount(page, 'B.Simon');
      await page.waitForURL(`${h.baseUrl}/mha/`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(text['mhaHome.heading'].replace('{name}', 'B.Simon'));
      await checkPage(page, 'mha-home', language, scheme);
      expect(await currentNavLinks(page, language)).toEqual([text['layout.home']]);

      await page.goto(`${h.baseUrl}/mha/profile`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(text['profile.title']);
      await checkPage(page, 'profile', language, scheme);
      expect(await currentNavLinks(page, language)).toEqual([text['layout.profile']]);

      const forbidden = await page.goto(`${h.baseUrl}/mha/admin`);
      expect(forbidden?.status()).toBe(403);
      expect(await page.getByRole('alert').getByRole('heading').textContent()).toBe(text['error.missing_role'].replace('{role}', 'MHA.Admin'));
      await checkPage(page, '403', language, scheme);
      expect(await currentNavLinks(page, language)).toEqual([]);

      await page.goto(`${h.baseUrl}/auth/logout`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(text['logout.heading']);
      await checkPage(page, 'logout-confirm', language, scheme);

      await page.getByRole('main').getByRole('button', { name: text['layout.signOut'] }).click();
      await page.waitForURL(`${h.baseUrl}/`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(text['signedOut.heading']);
      await checkPage(page, 'signed-out', language, scheme);

      expect(watched.problems).toEqual([]);
    } finally {
      await context.close();
      await h.close();
    }
  });

  it('shows the "service starting" 503 page while Entra cannot be reached', async () => {
    const h = await startHarness({ appHost: 'localhost', emulatorDown: true });
    const context = await newContext(browser, { language, scheme });
    const page = await context.newPage();
    const watched = watchPage(page);
    try {
      const res = await page.goto(`${h.baseUrl}/auth/login?returnTo=%2Fmha%2Fprofile`);
      expect(res?.status()).toBe(503);
      expect(res?.headers()['retry-after']).toBe('5');
      expect(await page.getByRole('alert').getByRole('heading').textContent()).toBe(text['error.authority_unavailable']);
      const retry = page.getByRole('link', { name: text['error.tryAgain'] });
      expect(await retry.getAttribute('href')).toBe('/auth/login?returnTo=%2Fmha%2Fprofile');
      await checkPage(page, '503-starting', language, scheme);
      expect(watched.problems).toEqual([]);
    } finally {
      await context.close();
      await h.close();
    }
  });
});
