/**
 * Open redirects and redirect_uri tampering: after sign-in the app only ever sends the browser to a path on
 * its own origin, whatever `returnTo` said; the redirect_uri is the configured one whatever the Host and
 * X-Forwarded-* headers say; sign-out goes to the configured post-logout URL only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { csrfTokenFrom } from '../support/browser.js';
import { Browser, reachCallback } from './support.js';

const OFF_SITE = [
  'https://evil.example',
  'http://evil.example/mha/',
  '//evil.example',
  '///evil.example',
  '////evil.example',
  '/\\evil.example',
  '\\/evil.example',
  '/%5Cevil.example',
  '/%5cevil.example',
  '/%2F%2Fevil.example',
  '/%2f/evil.example',
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r\n/evil.example',
  '/%09/evil.example',
  '/%0a/evil.example',
  '/%0d%0a/evil.example',
  ' //evil.example',
  'https:evil.example',
  'https:/evil.example',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  '/%252F%252Fevil.example',
  '/.//evil.example',
  '/mha/../\\evil.example',
  '@evil.example',
  'evil.example',
];

let h: Harness;
let browser: Browser;
beforeAll(async () => {
  h = await startHarness({ env: { TRUST_PROXY: '1' } });
  browser = new Browser();
  await browser.signIn(`${h.baseUrl}/auth/login`); // later sign-ins skip the picker (emulator session)
});
afterAll(async () => {
  await h.close();
});

/** Where the browser is sent after a complete sign-in that started with this raw query string. */
async function landingAfter(rawQuery: string): Promise<string> {
  const callback = await reachCallback(h, browser, 'B.Simon', `/auth/login?${rawQuery}`);
  const res = await browser.request(callback);
  expect(res.status).toBe(302);
  return res.headers.get('location')!;
}

function isSameOriginPath(location: string): boolean {
  if (!location.startsWith('/') || location.startsWith('//') || location.includes('\\')) return false;
  // Browsers strip tabs and newlines before resolving: resolve exactly as they would.
  return new URL(location, h.baseUrl).origin === new URL(h.baseUrl).origin;
}

describe('returnTo after sign-in', () => {
  it.each(OFF_SITE)('never leaves the site for returnTo=%j', async (payload) => {
    const location = await landingAfter(`returnTo=${encodeURIComponent(payload)}`);
    expect(isSameOriginPath(location), location).toBe(true);
  });

  it.each(OFF_SITE.filter((p) => !/[\s%]/.test(p)))('never leaves the site for the unencoded returnTo=%s', async (payload) => {
    const location = await landingAfter(`returnTo=${payload}`);
    expect(isSameOriginPath(location), location).toBe(true);
  });

  it('keeps a same-site path with its query', async () => {
    expect(await landingAfter(`returnTo=${encodeURIComponent('/mha/profile?tab=2&x=%2F')}`)).toBe('/mha/profile?tab=2&x=%2F');
  });

  it('ignores query-object tricks (returnTo[]=, returnTo[__proto__][x]=, repeated returnTo)', async () => {
    expect(await landingAfter('returnTo[]=//evil.example')).toBe('/mha/');
    expect(await landingAfter('returnTo[__proto__][x]=//evil.example')).toBe('/mha/');
    expect(await landingAfter('returnTo=/mha/a&returnTo=//evil.example')).toBe('/mha/');
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });
});

describe('redirect_uri', () => {
  const spoofs: Array<Record<string, string>> = [
    { host: 'evil.example' },
    { 'x-forwarded-host': 'evil.example' },
    { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example:443' },
    { forwarded: 'host=evil.example;proto=https' },
  ];
  it.each(spoofs)('is the configured one whatever the headers say (%j)', async (headers) => {
    const res = await fetch(`${h.baseUrl}/auth/login`, { redirect: 'manual', headers });
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('redirect_uri')).toBe(h.config.redirectUri);
  });

  it('completes the code exchange with the configured redirect_uri when the callback arrives with spoofed headers', async () => {
    const callback = await reachCallback(h, browser);
    const res = await browser.request(callback, { headers: { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' } });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/mha/');
  });
});

describe('sign-out', () => {
  it('ignores any caller-supplied post-logout URL, in the body or the query', async () => {
    const page = await browser.request(`${h.baseUrl}/mha/`);
    const token = csrfTokenFrom(await page.text());
    const body = new URLSearchParams({ _csrf: token, post_logout_redirect_uri: 'https://evil.example/', returnTo: 'https://evil.example/' });
    const res = await browser.request(`${h.baseUrl}/auth/logout?post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F&returnTo=%2F%2Fevil.example`, {
      method: 'POST',
      body: body.toString(),
      headers: { origin: h.baseUrl },
    });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin).toBe(h.emulator.authorityHost);
    expect(location.searchParams.getAll('post_logout_redirect_uri')).toEqual([h.config.postLogoutRedirectUri]);
    expect(res.headers.get('location')).not.toContain('evil');
    await browser.signIn(`${h.baseUrl}/auth/login`);
  });
});
