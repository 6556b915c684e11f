import { afterEach, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('security headers', () => {
  it('sends a strict CSP that still lets the sign-out form redirect to the authority', async () => {
    h = await startHarness();
    const res = await fetch(`${h.baseUrl}/`);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain(`form-action 'self' ${h.emulator.authorityHost}`);
    expect(csp).toContain("frame-ancestors 'none'");
    // On plain http (localhost) upgrade-insecure-requests would break every asset.
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin'); // no-referrer makes Chrome send Origin: null on the sign-out POST (see test/e2e)
    expect(res.headers.get('strict-transport-security')).toBeNull();
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('serves the stylesheet and favicon locally', async () => {
    h = await startHarness();
    const css = await fetch(`${h.baseUrl}/assets/styles.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
    expect((await fetch(`${h.baseUrl}/assets/favicon.svg`)).status).toBe(200);
    const html = await (await fetch(`${h.baseUrl}/`)).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/style="/);
    expect(html).toContain('Sign in with Microsoft');
  });
});

describe('request ids', () => {
  it('keeps a well-formed incoming X-Request-Id and replaces a malformed one', async () => {
    h = await startHarness();
    const kept = await fetch(`${h.baseUrl}/healthz`, { headers: { 'x-request-id': 'lb-1234.abc' } });
    expect(kept.headers.get('x-request-id')).toBe('lb-1234.abc');
    const replaced = await fetch(`${h.baseUrl}/healthz`, { headers: { 'x-request-id': 'bad id<script>' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(h.logs.some((l) => l['reqId'] === 'lb-1234.abc' && l['path'] === '/healthz')).toBe(true);
  });
});

describe('behind a TLS-terminating proxy', () => {
  it('sets a Secure __Host- cookie and keeps the configured redirect_uri whatever the forwarded headers say', async () => {
    // The harness serves plain http; the public origin is https through one trusted proxy.
    h = await startHarness({ env: { TRUST_PROXY: '1', BASE_URL: 'https://mha.example.com' } });
    const login = await fetch(`${h.baseUrl}/auth/login`, {
      redirect: 'manual',
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example', host: 'evil.example' },
    });
    expect(login.status).toBe(302);
    const location = new URL(login.headers.get('location')!);
    expect(location.searchParams.get('redirect_uri')).toBe('https://mha.example.com/auth/callback');
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith('__Host-mha.auth='))!;
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Domain=/i);
    const res = await fetch(`${h.baseUrl}/`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(res.headers.get('strict-transport-security')).toContain('max-age=31536000');
    expect(res.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
  });

  it('sets the __Host- session cookie with Secure at sign-in over https', async () => {
    h = await startHarness({ env: { TRUST_PROXY: '1', BASE_URL: 'https://mha.example.com' } });
    const browser = new Browser({ 'x-forwarded-proto': 'https' });
    const url = await browser.untilCallback(`${h.baseUrl}/auth/login`, 'https://mha.example.com/auth/callback');
    // The emulator redirected to the public https origin; deliver it to the app through the "proxy".
    const callback = await browser.request(`${h.baseUrl}${new URL(url).pathname}${new URL(url).search}`);
    expect(callback.status).toBe(302);
    const cookie = callback.headers.getSetCookie().find((c) => c.startsWith('__Host-mha.sid='))!;
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });
});
