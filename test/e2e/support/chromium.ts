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

/**
 * Layout measurements for issue 15, run in the page. The callbacks use the DOM through `globalThis` (the
 * type-check has no DOM library), so they are typed loosely here.
 */
type Loose = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Elements whose box reaches past the right edge of the screen (text wider than the screen). */
export async function overflowingElements(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const g = globalThis as Loose;
    const width = g.document.documentElement.clientWidth;
    const out: string[] = [];
    for (const el of g.document.body.querySelectorAll('*')) {
      if (el.closest('.visually-hidden, .skip-link, [hidden], details:not([open]) > :not(summary)')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      if (r.right > width + 0.5 || r.left < -0.5) out.push(`${el.tagName.toLowerCase()}.${el.className} "${(el.textContent ?? '').trim().slice(0, 40)}" right=${Math.round(r.right)}`);
    }
    return out;
  });
}

/**
 * Headings whose last line holds a single character (a Japanese orphan such as a lone "す"): each character's
 * line is found from its own client rect.
 */
export async function headingOrphans(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const g = globalThis as Loose;
    const out: string[] = [];
    for (const h of g.document.querySelectorAll('h1, h2, h3, .summary-title')) {
      if (h.closest('[hidden], details:not([open]) > :not(summary)') || h.getBoundingClientRect().height === 0) continue;
      const walker = g.document.createTreeWalker(h, 4);
      const tops: number[] = [];
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text: string = node.textContent ?? '';
        for (let i = 0; i < text.length; i++) {
          if (/\s/.test(text[i]!)) continue;
          const range = g.document.createRange();
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          const rect = range.getBoundingClientRect();
          if (rect.height > 0) tops.push(Math.round(rect.top));
        }
      }
      const lines = [...new Set(tops)].sort((a, b) => a - b);
      if (lines.length < 2) continue;
      const last = lines[lines.length - 1]!;
      // A line is the characters whose top is within a few pixels of it (mixed fonts differ slightly).
      const onLast = tops.filter((t) => Math.abs(t - last) <= 4).length;
      if (onLast === 1) out.push(`${h.tagName.toLowerCase()} "${h.textContent.trim()}"`);
    }
    return out;
  });
}

/**
 * Touch targets smaller than 44x44 CSS px among the page's controls: header, menu, footer, the main actions,
 * tiles and buttons. Links inside running text are exempt (WCAG 2.5.5), and so is Microsoft's sign-in button,
 * whose 41px height is Microsoft's own specification and kept exactly.
 */
export async function smallTouchTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const g = globalThis as Loose;
    const out: string[] = [];
    const selector = '.site-header a, .site-header summary, .menu-panel a, .menu-panel button, .site-footer a, .actions a, .actions button, .tile, main button:not([hidden])';
    for (const el of g.document.querySelectorAll(selector)) {
      if (el.matches('.ms-signin') || el.closest('.visually-hidden')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.width < 44 || r.height < 44) out.push(`${el.tagName.toLowerCase()} "${(el.textContent ?? '').trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
    return out;
  });
}
