import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startHarness, type Harness } from '../support/harness.js';
import { launchChromium, newContext, screenshot, type PageGlobals } from './support/chromium.js';

let browser: Browser;
let h: Harness;
beforeAll(async () => {
  browser = await launchChromium();
  h = await startHarness({ appHost: 'localhost' });
});
afterAll(async () => {
  await browser?.close();
  await h?.close();
});

interface Focused {
  readonly name: string;
  readonly tag: string;
  readonly id: string;
  readonly outline: string;
  readonly inViewport: boolean;
}

/** What has the keyboard focus, and whether a sighted keyboard user can see it. */
function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    const win = globalThis as unknown as PageGlobals;
    const el = win.document.activeElement;
    if (!el) return { name: '', tag: '', id: '', outline: 'none', inViewport: false };
    const style = win.getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return {
      name: (el.innerText || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' '),
      tag: el.tagName.toLowerCase(),
      id: el.id,
      outline: `${style.outlineStyle} ${style.outlineWidth}`,
      inViewport: box.width > 0 && box.height > 0 && box.top >= 0 && box.left >= 0 && box.bottom <= win.innerHeight && box.right <= win.innerWidth,
    };
  });
}

async function tabUntil(page: Page, name: RegExp, max = 15): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    seen.push(f.name);
    expect(f.inViewport, `focus on "${f.name}" is on screen`).toBe(true);
    expect(f.outline, `focus on "${f.name}" is visible`).not.toMatch(/^none/);
    if (name.test(f.name)) return seen;
  }
  throw new Error(`never reached ${name} with Tab; saw ${seen.join(' → ')}`);
}

describe('keyboard only', () => {
  it('signs in and out with Tab and Enter, with a skip link, a logical order and visible focus', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    try {
      await page.goto(`${h.baseUrl}/`);

      // The first Tab lands on the skip link, which appears and moves focus to the main content.
      await page.keyboard.press('Tab');
      const skip = await focused(page);
      expect(skip.name).toBe('Skip to content');
      expect(skip.inViewport).toBe(true);
      expect(skip.outline).not.toMatch(/^none/);
      await screenshot(page, 'keyboard-01-skip-link');
      await page.keyboard.press('Enter');
      expect((await focused(page)).id).toBe('main');
      expect(await tabUntil(page, /^Sign in with Microsoft$/)).toEqual(['Sign in with Microsoft']);
      await screenshot(page, 'keyboard-02-sign-in-focused');

      // Without the skip link: header first, in reading order, then the button. The sign-in card carries
      // the brand (issue 15: the brand once), so the anonymous header holds only the languages.
      await page.goto(`${h.baseUrl}/`);
      expect(await tabUntil(page, /^Sign in with Microsoft$/)).toEqual(['Skip to content', 'English', '日本語', 'Sign in with Microsoft']);
      await page.keyboard.press('Enter');
      await page.waitForURL(`${h.emulator.authorityHost}/**`);
      await tabUntil(page, /^B\.Simon/);
      await page.keyboard.press('Enter');
      await page.waitForURL(`${h.baseUrl}/mha/`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Welcome, B.Simon');

      // Sign out lives in the account menu (issue 15: a one-row header): a disclosure opened with Enter.
      const order = await tabUntil(page, /Account menu/);
      expect(order).toEqual(['Skip to content', 'iLOGON_MHA', 'Home', 'Profile', 'English', '日本語', 'BS Account menu: B.Simon']);
      await page.keyboard.press('Enter');
      expect(await tabUntil(page, /^Sign out$/)).toEqual(['Sign out']);
      await screenshot(page, 'keyboard-03-sign-out-focused');
      await page.keyboard.press('Enter');
      await page.waitForURL(`${h.baseUrl}/`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('You have signed out');
    } finally {
      await context.close();
    }
  });

  it('switches language with the keyboard and keeps the choice', async () => {
    const context = await newContext(browser);
    const page = await context.newPage();
    try {
      await page.goto(`${h.baseUrl}/`);
      await tabUntil(page, /^日本語$/);
      await page.keyboard.press('Enter');
      await page.waitForURL(`${h.baseUrl}/`);
      expect(await page.getAttribute('html', 'lang')).toBe('ja');
      await page.goto(`${h.baseUrl}/mha/nothing-here`);
      await page.waitForURL(`${h.emulator.authorityHost}/**`);
      await page.goto(`${h.baseUrl}/no-such-page`);
      expect(await page.getAttribute('html', 'lang')).toBe('ja');
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('このアドレスのページはありません。');
    } finally {
      await context.close();
    }
  });
});
