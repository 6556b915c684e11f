import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startHarness, type Harness } from '../support/harness.js';
import { startUpstream, type Upstream } from '../support/upstream.js';
import { launchChromium, newContext, pickAccount, screenshot, watchPage } from './support/chromium.js';

// Gateway mode in a real browser (issue 8): sign-in, then a page the backend serves, with the identity it
// received, a websocket from that page, spoofed identity headers the browser sends, and sign-out.

let browser: Browser;
let up: Upstream;
let h: Harness;
let context: BrowserContext;
let page: Page;
let watched: { problems: string[] };

beforeAll(async () => {
  browser = await launchChromium();
  up = await startUpstream();
  // App on `localhost`, emulator on 127.0.0.1: two sites, like the app and login.microsoftonline.com.
  h = await startHarness({ appHost: 'localhost', env: { UPSTREAM_URL: up.url } });
  context = await newContext(browser);
  page = await context.newPage();
  watched = watchPage(page);
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await h?.close();
  await up?.close();
});

// Three we set ourselves (replaced) and one we never set (X-MS-TOKEN-*: only stripping removes it).
const SPOOFED = {
  'X-MS-CLIENT-PRINCIPAL-NAME': 'attacker',
  'X-MS-CLIENT-PRINCIPAL-ID': 'attacker',
  'X-Forwarded-User': 'attacker',
  'X-MS-TOKEN-AAD-ID-TOKEN': 'attacker',
};

describe('gateway mode in a real browser', () => {
  it('signs a signed-out visitor in at /mha/ and shows the backend page with the identity the backend received; a websocket from it works', async () => {
    const bSimon = h.emulator.users.find((u) => u.name === 'B.Simon')!;
    // Every request from this browser carries forged identity headers, as an attacker's would.
    await page.setExtraHTTPHeaders(SPOOFED);
    const sentToApp: Array<Record<string, string>> = [];
    page.on('request', (r) => {
      if (r.url().startsWith(`${h.baseUrl}/mha/`)) void r.allHeaders().then((hd) => sentToApp.push(hd));
    });

    await page.goto(`${h.baseUrl}/mha/`);
    await page.waitForURL(`${h.emulator.authorityHost}/**`);
    expect(up.received, 'a signed-out visitor never reaches the backend').toEqual([]);
    const landing = page.waitForResponse((r) => r.url() === `${h.baseUrl}/mha/` && r.request().isNavigationRequest());
    await pickAccount(page, 'B.Simon');
    const landed = await landing;
    await page.waitForURL(`${h.baseUrl}/mha/`);

    // The backend's own page, with its own headers: no CSP of ours (its inline script below must run).
    expect(landed.status()).toBe(200);
    const headers = await landed.allHeaders();
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['content-security-policy-report-only']).toBeUndefined();
    // Its own headers are kept: our Cache-Control: no-store is only the default for a backend that sets none.
    expect(headers['cache-control']).toBe('private, no-cache');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('iLOGON_MHA backend');

    // The identity the backend received, as its page shows it: ours, not the browser's.
    const shown = async (name: string) => page.locator(`td[data-header="${name}"]`).textContent();
    expect(await shown('x-ms-client-principal-name')).toBe(bSimon.username);
    expect(await shown('x-ms-client-principal-id')).toBe(bSimon.oid);
    expect(await shown('x-ms-client-principal-idp')).toBe('aad');
    expect(await shown('x-forwarded-user')).toBe(bSimon.oid);
    expect(await page.locator('body').textContent()).not.toContain('attacker');

    // The page's inline script opened a websocket through the gateway: the echo greeted it with the identity
    // its handshake carried and echoed the page's message back.
    const status = page.getByRole('status');
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('websocket echo: ping from the page');
    expect(await status.getAttribute('data-name')).toBe(bSimon.username);
    await screenshot(page, 'gateway-01-backend-page');

    // The browser did send the forged headers (so the checks above can fail) ...
    expect(sentToApp.length).toBeGreaterThan(0);
    for (const sent of sentToApp) {
      expect(sent['x-ms-client-principal-name']).toBe('attacker');
      expect(sent['x-ms-token-aad-id-token']).toBe('attacker');
    }
    // ... and none of them reached the backend, on any request or on the websocket handshake.
    const handshakes = up.received.filter((r) => r.headers['upgrade'] === 'websocket');
    expect(handshakes).toHaveLength(1);
    expect(up.received.length).toBeGreaterThanOrEqual(2);
    for (const r of up.received) {
      expect(r.headers['x-ms-client-principal-name'], `${r.method} ${r.url}`).toBe(bSimon.username);
      expect(r.headers['x-ms-client-principal-id']).toBe(bSimon.oid);
      expect(r.headers['x-forwarded-user']).toBe(bSimon.oid);
      expect(r.headers['x-ms-token-aad-id-token']).toBeUndefined();
      expect(r.rawHeaders.join('\n')).not.toContain('attacker');
      // Our session cookie stays with us (PASS_COOKIES is off).
      expect(String(r.headers['cookie'] ?? '')).not.toContain('mha.sid');
    }
    expect(h.logs.some((l) => l['event'] === 'gateway.spoofed_headers')).toBe(true);
    expect(watched.problems, 'CSP violations or script errors').toEqual([]);
  });

  it('signs out through our sign-out page, after which /mha/ goes back to sign-in and the backend is not reached', async () => {
    // The backend links to our GET /auth/logout: its confirmation page holds the CSRF-protected form.
    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.waitForURL(`${h.baseUrl}/auth/logout`);
    await page.getByRole('main').getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${h.baseUrl}/`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('You have signed out');
    await screenshot(page, 'gateway-02-signed-out');

    const before = up.received.length;
    await page.goto(`${h.baseUrl}/mha/`);
    await page.waitForURL(`${h.emulator.authorityHost}/**`);
    expect(await page.getByRole('heading', { name: 'Pick an account' }).isVisible()).toBe(true);
    expect(up.received.length).toBe(before);
    expect(watched.problems, 'CSP violations or script errors').toEqual([]);
  });
});
