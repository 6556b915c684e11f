/**
 * Real headless Chromium (Debian's, `apt-get install chromium`) driven by playwright-core, plus the checks
 * every page gets: axe-core's WCAG 2.1 A/AA rules, no CSP violation, no horizontal scroll at 360px, and a
 * screenshot under test-results/e2e/ for a reviewer.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const SCREENSHOT_DIR = new URL('../../../test-results/e2e/', import.meta.url).pathname;
export const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * The few browser globals the page-side callbacks use. The type-check runs without the DOM library (it
 * would retype Node's fetch in src/), so callbacks passed to page.evaluate reach them through this.
 */
export interface PageGlobals {
  readonly document: {
    readonly documentElement: { readonly scrollWidth: number };
    readonly activeElement: PageElement | null;
  };
  readonly innerWidth: number;
  readonly innerHeight: number;
  getComputedStyle(el: PageElement): { readonly outlineStyle: string; readonly outlineWidth: string };
}
export interface PageElement {
  readonly innerText: string;
  readonly tagName: string;
  readonly id: string;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { width: number; height: number; top: number; left: number; bottom: number; right: number };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export type Language = 'en' | 'ja';
export type Scheme = 'light' | 'dark';

/** A fresh context (no cookies, no cache) that sends the language's Accept-Language. */
export async function newContext(
  browser: Browser,
  options: { language?: Language; scheme?: Scheme } & BrowserContextOptions = {},
): Promise<BrowserContext> {
  const { language = 'en', scheme = 'light', ...rest } = options;
  return browser.newContext({
    locale: language === 'ja' ? 'ja-JP' : 'en-US',
    colorScheme: scheme,
    viewport: { width: 1024, height: 720 },
    ...rest,
  });
}

/** Collects CSP violations and script errors on a page: a strict CSP must not break anything we serve. */
export function watchPage(page: Page): { problems: string[] } {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) problems.push(msg.text());
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  return { problems };
}

/**
 * axe-core, evaluated through the DevTools protocol (not a <script> tag), so the page's own strict CSP
 * stays in force while it is checked.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const { axe, document } = globalThis as unknown as PageGlobals & {
      axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: unknown[] }> }> }> };
    };
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
  }, WCAG_21_AA);
  return violations;
}

export async function expectAccessible(page: Page, label: string): Promise<void> {
  expect(await axeViolations(page), `axe WCAG 2.1 AA on ${label} (${page.url()})`).toEqual([]);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}${name}.png`, fullPage: true });
}

/** Nothing wider than a 360px phone screen: no sideways scrolling. */
export async function expectFitsWidth(page: Page, label: string, width = 360): Promise<void> {
  const original = page.viewportSize();
  await page.setViewportSize({ width, height: 740 });
  const scrollWidth = await page.evaluate(() => (globalThis as unknown as PageGlobals).document.documentElement.scrollWidth);
  expect(scrollWidth, `${label} at ${width}px`).toBeLessThanOrEqual(width);
  if (original) await page.setViewportSize(original);
}

/** Picks a user on the emulator's account picker (the page Entra would show). */
export async function pickAccount(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: new RegExp(`^${name.replace('.', '\\.')}\\b`) }).click();
}
