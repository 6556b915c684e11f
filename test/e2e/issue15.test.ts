/**
 * Issue 15, "pages people trust", measured in real Chromium: every page in both languages, both colour
 * schemes and both widths (1280 and 360 px), each with axe-core at zero violations, nothing wider than the
 * phone screen, no one-character heading orphans, touch targets of 44 px, a one-row header, and a screenshot
 * under test-results/e2e/issue15-*.png. Plus the error pages' behaviour: the action fits the cause, reload and
 * language switch keep the error, Entra's description leaves the address bar.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CATALOGUES } from '../../src/i18n/i18n.js';
import { startHarness, type Harness } from '../support/harness.js';
import {
  axeViolations,
  headingOrphans,
  launchChromium,
  newContext,
  overflowingElements,
  pickAccount,
  screenshot,
  smallTouchTargets,
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

const WIDE = { width: 1280, height: 800 };
const PHONE = { width: 360, height: 740 };

/** Everything a page must pass at both widths; the screenshot of each for a reviewer. */
async function checkBothWidths(page: Page, name: string, language: Language, scheme: Scheme): Promise<void> {
  const label = `${name} (${language}, ${scheme})`;
  expect(await page.getAttribute('html', 'lang'), label).toBe(language);
  for (const [width, size] of [
    ['1280', WIDE],
    ['360', PHONE],
  ] as const) {
    await page.setViewportSize(size);
    const at = `${label} at ${width}px`;
    expect(await axeViolations(page), `axe on ${at}`).toEqual([]);
    expect(await headingOrphans(page), `issue 15 Japanese typography: heading orphans on ${at}`).toEqual([]);
    if (width === '360') {
      expect(await overflowingElements(page), `issue 15 mobile: nothing wider than the screen on ${at}`).toEqual([]);
      expect(await smallTouchTargets(page), `issue 15 mobile: touch targets on ${at}`).toEqual([]);
      const header = await page.locator('.site-header').boundingBox();
      expect(header?.height ?? 0, `issue 15 mobile: the header is one row on ${at}`).toBeLessThanOrEqual(64);
    }
    await screenshot(page, `issue15-${name}-${language}-${scheme}-${width}`);
  }
  await page.setViewportSize(WIDE);
}

const COMBINATIONS: Array<[Language, Scheme]> = [
  ['en', 'light'],
  ['ja', 'light'],
  ['en', 'dark'],
  ['ja', 'dark'],
];

describe.each(COMBINATIONS)('issue 15: every page in %s, %s', (language, scheme) => {
  const text = CATALOGUES[language];
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ appHost: 'localhost' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('anonymous pages: the sign-in card (440 px, brand once, no version), errors that guide', async () => {
    const context = await newContext(browser, { language, scheme, viewport: WIDE });
    const page = await context.newPage();
    const watched = watchPage(page);
    try {
      await page.goto(`${h.baseUrl}/`);
      const card = await page.locator('.signin-card').boundingBox();
      expect(card?.width, 'issue 15 landing: a card of sign-in width').toBeLessThanOrEqual(440);
      // No version number for anonymous visitors (the harness runs as version "test").
      expect((await page.locator('.site-footer').innerText()).trim()).toBe(text['layout.footerAnonymous']);
      expect(await page.locator('.brand-mark').count(), 'issue 15 landing: the brand once').toBe(1);
      expect(await page.getAttribute('meta[name="description"]', 'content')).toBe(text['app.description']);
      // The Microsoft button exactly as Microsoft specifies it.
      const ms = page.locator('.ms-signin');
      const style = await ms.evaluate((el) => {
        const s = (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(el);
        return { height: s['minHeight'], font: `${s['fontWeight']} ${s['fontSize']}`, border: s['borderTopWidth'], radius: s['borderTopLeftRadius'] };
      });
      expect(style).toEqual({ height: '41px', font: '600 15px', border: '1px', radius: '0px' });
      await checkBothWidths(page, 'landing', language, scheme);

      await page.goto(`${h.baseUrl}/no/such/page`);
      expect(await page.getAttribute('[data-action]', 'data-action')).toBe('home');
      await checkBothWidths(page, '404', language, scheme);

      await page.goto(`${h.baseUrl}/auth/callback?state=expired&code=x`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(text['error.signin_unknown_state']);
      expect(await page.locator('.actions .button').getAttribute('data-action')).toBe('sign-in-again');
      await checkBothWidths(page, 'error-expired', language, scheme);

      // AADSTS50105: only another account (or the admin) helps.
      await page.goto(`${h.baseUrl}/auth/login`);
      await pickAccount(page, 'U.Unassigned');
      await page.waitForURL(/\/auth\/error\?ref=/);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(text['aadsts.50105.title']);
      expect(await page.locator('.actions .button').getAttribute('href')).toBe('/auth/login?prompt=select_account');
      await checkBothWidths(page, 'aadsts50105', language, scheme);

      // AADSTS7000222 (the app's secret expired): nothing to retry, tell the administrator.
      h.emulator.faults.secretExpired = true;
      try {
        await page.goto(`${h.baseUrl}/auth/login`);
        await pickAccount(page, 'B.Simon');
        await page.waitForURL(/\/auth\/error\?ref=/);
      } finally {
        h.emulator.faults.reset();
      }
      expect(await page.locator('#error-codes').innerText()).toContain('AADSTS7000222');
      expect(await page.locator('.actions .button').getAttribute('data-action')).toBe('tell-admin');
      expect(await page.locator('body').innerText()).not.toContain(text['error.signInAgain']);
      await checkBothWidths(page, 'aadsts7000222', language, scheme);

      await page.goto(`${h.baseUrl}/auth/error?ref=AAAAAAAAAAAAAAAA`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(text['error.error_reference_expired']);
      await checkBothWidths(page, 'error-reference-expired', language, scheme);
      expect(watched.problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('signed-in pages: home, profile, the account menu, 403, sign-out; admin pages; the status page with and without problems', async () => {
    const context = await newContext(browser, { language, scheme, viewport: WIDE });
    const page = await context.newPage();
    const watched = watchPage(page);
    try {
      await page.goto(`${h.baseUrl}/auth/login`);
      await pickAccount(page, 'B.Simon');
      await page.waitForURL(`${h.baseUrl}/mha/`);
      // Home: the main action is not "Sign out", no tenant GUID, no Administration for a non-admin.
      expect(await page.locator('main').innerText()).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
      expect(await page.locator('main').getByRole('button', { name: text['layout.signOut'] }).count()).toBe(0);
      expect(await page.locator('main a[href="/mha/admin"]').count()).toBe(0);
      await checkBothWidths(page, 'home', language, scheme);

      // The current page is marked for eyes, not only for screen readers.
      const underline = await page.locator('.pages-wide a[aria-current="page"]').evaluate((el) => {
        const s = (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(el);
        return { width: s['borderBottomWidth'], color: s['borderBottomColor'] };
      });
      expect(underline.width, 'issue 15: the current page is underlined').toBe('3px');
      expect(underline.color).not.toBe('rgba(0, 0, 0, 0)');

      await page.setViewportSize(PHONE);
      await page.locator('.account-menu > summary').click();
      const menuLinks = page.locator('.menu-panel a[aria-current="page"]');
      expect(await menuLinks.count()).toBe(1);
      expect(await menuLinks.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(el)['borderLeftWidth'])).toBe('3px');
      expect(await smallTouchTargets(page), 'issue 15 mobile: menu touch targets').toEqual([]);
      expect(await overflowingElements(page)).toEqual([]);
      await screenshot(page, `issue15-menu-open-${language}-${scheme}-360`);
      await page.locator('.account-menu > summary').click();
      await page.setViewportSize(WIDE);

      await page.goto(`${h.baseUrl}/mha/profile`);
      await checkBothWidths(page, 'profile', language, scheme);
      await page.setViewportSize(PHONE);
      expect(await page.locator('.claims tr').first().evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(el)['display'])).toBe('block');
      // The e-mail address wraps (if at all) only after its "@".
      expect(await page.locator('td.nobreak-email').first().innerHTML()).toContain('@<wbr>');
      await page.setViewportSize(WIDE);

      await page.goto(`${h.baseUrl}/mha/admin`);
      await checkBothWidths(page, '403', language, scheme);

      // A second account refused while B.Simon is signed in: the header does not say "Signed in as B.Simon".
      await page.goto(`${h.baseUrl}/auth/login?prompt=select_account`);
      await pickAccount(page, 'U.Unassigned');
      await page.waitForURL(/\/auth\/error\?ref=/);
      expect(await page.locator('.site-header').innerText()).not.toContain('B.Simon');
      expect(await page.locator('.account-menu').count()).toBe(0);
      expect(await page.locator('main .note').innerText()).toContain(text['error.stillSignedInAs'].replace('{name}', 'B.Simon'));
      await checkBothWidths(page, 'second-account-refused', language, scheme);

      await page.goto(`${h.baseUrl}/auth/logout`);
      await checkBothWidths(page, 'logout-confirm', language, scheme);
      await page.locator('main').getByRole('button', { name: text['layout.signOut'] }).click();
      await page.waitForURL(`${h.baseUrl}/`);
      await checkBothWidths(page, 'signed-out', language, scheme);

      // The admin: Administration on the home page and in the navigation; the version in the footer.
      await page.goto(`${h.baseUrl}/auth/login`);
      await pickAccount(page, 'A.Admin');
      await page.waitForURL(`${h.baseUrl}/mha/`);
      expect(await page.locator('main a[href="/mha/admin"]').count()).toBe(1);
      expect(await page.locator('.site-footer').innerText()).toContain(text['layout.footer'].replace('{version}', 'test'));
      await checkBothWidths(page, 'home-admin', language, scheme);
      await page.goto(`${h.baseUrl}/mha/admin`);
      await checkBothWidths(page, 'admin', language, scheme);

      await page.goto(`${h.baseUrl}/mha/admin/status`);
      await checkBothWidths(page, 'status-nothing-to-report', language, scheme);
      await expectStatusPage(page, language, 'none');

      h.emulator.faults.secretExpired = true;
      try {
        await page.goto(`${h.baseUrl}/mha/admin/status`);
      } finally {
        h.emulator.faults.reset();
      }
      await checkBothWidths(page, 'status-problems', language, scheme);
      await expectStatusPage(page, language, 'problems');
      expect(watched.problems).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('issue 15 error pages: reloading and switching language keep the real error; Entra\'s description leaves the address bar', async () => {
    const context = await newContext(browser, { language, scheme, viewport: WIDE });
    const page = await context.newPage();
    try {
      await page.goto(`${h.baseUrl}/auth/login`);
      await pickAccount(page, 'U.Unassigned');
      await page.waitForURL(/\/auth\/error\?ref=/);
      expect(page.url()).not.toMatch(/error_description|U\.Unassigned|AADSTS/i);
      const codes = await page.locator('#error-codes').innerText();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(text['aadsts.50105.title']);

      await page.reload();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(text['aadsts.50105.title']);
      expect(await page.locator('#error-codes').innerText()).toBe(codes);

      const other: Language = language === 'en' ? 'ja' : 'en';
      await page.locator(`.languages a[lang="${other}"]`).click();
      await page.waitForURL(/\/auth\/error\?ref=/);
      expect(await page.getAttribute('html', 'lang')).toBe(other);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(CATALOGUES[other]['aadsts.50105.title']);
      expect(await page.locator('#error-codes').innerText()).toContain('AADSTS50105');
      await page.locator(`.languages a[lang="${language}"]`).click();
      await page.waitForURL(/\/auth\/error\?ref=/);
      // The failure was recorded once, at the callback: reloads and switches add nothing.
      expect(h.logs.filter((l) => l['event'] === 'signin.failure' && l['aadsts'] === '50105').length).toBeGreaterThan(0);
      const before = h.logs.filter((l) => l['event'] === 'signin.failure').length;
      await page.reload();
      expect(h.logs.filter((l) => l['event'] === 'signin.failure').length).toBe(before);
    } finally {
      await context.close();
    }
  });
});

/** The operator's status page: summary first, statuses with words and icons, variable names, no raw values. */
async function expectStatusPage(page: Page, language: Language, expected: 'none' | 'problems'): Promise<void> {
  const text = CATALOGUES[language];
  const main = await page.locator('main').innerText();
  expect(main).not.toContain('[object Object]');
  expect(main).not.toMatch(/\bnull\b|\bundefined\b/);
  expect(main).not.toContain('`');
  expect(main).toContain('ENTRA_CLIENT_ID');
  expect(main).toContain('SESSION_IDLE_TIMEOUT_MINUTES');
  expect(main).not.toMatch(/\bclientId\b|\bsessionIdleMinutes\b/);
  const summary = page.locator('.summary');
  if (expected === 'none') {
    expect(await summary.getAttribute('class')).not.toContain('summary-problem');
    expect(await page.locator('.check-problem').count()).toBe(0);
  } else {
    expect(await summary.getAttribute('class')).toContain('summary-problem');
    const n = await page.locator('.check-problem').count();
    expect(n).toBeGreaterThan(0);
    expect(await summary.innerText()).toContain(text['status.summaryProblems'].replace('{n}', String(n)));
    // A problem is told by a word and an icon, not by colour alone.
    const badge = await page.locator('.check-problem .status-badge').first().innerText();
    expect(badge).toContain('✕');
    expect(badge).toContain(text['status.problem']);
  }
  // No column squeezed to a few letters at 1280 px ("Re/sul/t"): every header cell is wider than its
  // longest word (no overflow), at least two characters wide and at most two lines high.
  await page.setViewportSize(WIDE);
  const squeezed = await page.locator('.claims thead th').evaluateAll((cells) =>
    cells
      .filter((c) => {
        const el = c as unknown as { getBoundingClientRect(): { height: number; width: number }; scrollWidth: number; clientWidth: number };
        const r = el.getBoundingClientRect();
        return r.height > 56 || r.width < 32 || el.scrollWidth > el.clientWidth;
      })
      .map((c) => c.textContent),
  );
  expect(squeezed, 'issue 15 status: no column collapses at 1280 px').toEqual([]);
}

describe('issue 15 branding: the customer organisation on the sign-in card', () => {
  // The logo on another origin (a loopback server stands for the organisation's CDN): it shows only if
  // the CSP's img-src names that origin, which ORG_LOGO_URL adds.
  const LOGO =
    '<svg xmlns="http://www.w3.org/2000/svg" width="150" height="36" viewBox="0 0 150 36"><rect width="36" height="36" rx="6" fill="#0b6e4f"/>' +
    '<path d="M9 25 18 9l9 16z" fill="#fff"/><text x="44" y="25" textLength="100" lengthAdjust="spacingAndGlyphs" font-family="sans-serif" font-size="16" font-weight="700" fill="#0b6e4f">CONTOSO</text></svg>';
  let logoServer: import('node:http').Server;
  let logoUrl: string;
  beforeAll(async () => {
    const { createServer } = await import('node:http');
    logoServer = createServer((req, res) => {
      res.writeHead(req.url === '/brand/logo.svg' ? 200 : 404, { 'content-type': 'image/svg+xml' });
      res.end(req.url === '/brand/logo.svg' ? LOGO : '');
    });
    await new Promise<void>((resolve) => logoServer.listen(0, '127.0.0.1', resolve));
    logoUrl = `http://127.0.0.1:${(logoServer.address() as import('node:net').AddressInfo).port}/brand/logo.svg`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => logoServer?.close(() => resolve()));
  });

  it.each(['en', 'ja'] as const)('issue 15 branding: the branded landing in %s (name, logo with alt text, help and privacy links)', async (language) => {
    const text = CATALOGUES[language];
    const h = await startHarness({
      appHost: 'localhost',
      env: { ORG_NAME: 'Contoso Pharma', ORG_LOGO_URL: logoUrl, HELP_URL: 'https://help.contoso.example/sign-in', PRIVACY_URL: 'https://contoso.example/privacy' },
    });
    const context = await newContext(browser, { language, scheme: 'light', viewport: WIDE });
    try {
      const page = await context.newPage();
      const watched = watchPage(page);
      await page.goto(`${h.baseUrl}/`);
      await page.locator('img.org-logo').evaluate((img) => (img as unknown as { decode(): Promise<void> }).decode());
      const logo = page.locator('img.org-logo');
      expect(await logo.getAttribute('alt')).toBe(text['landing.orgLogo'].replace('{name}', 'Contoso Pharma'));
      expect(await logo.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), 'the CSP lets the logo load').toBe(150);
      expect(await page.locator('.signin-card .org-name').innerText()).toBe('Contoso Pharma');
      expect(await page.getByRole('link', { name: text['layout.help'] }).getAttribute('href')).toBe('https://help.contoso.example/sign-in');
      expect(await page.getByRole('link', { name: text['layout.privacy'] }).getAttribute('href')).toBe('https://contoso.example/privacy');
      await checkBothWidths(page, 'landing-branded', language, 'light');
      expect(watched.problems).toEqual([]);
    } finally {
      await context.close();
      await h.close();
    }
  });
});
