/**
 * The provider down, broken or slow: the app keeps answering (friendly 5xx, never a crash or a hang),
 * never lets anyone in anonymously, never half-creates a session, and recovers on its own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import type { Outcome } from '../../src/dev/hostile.js';
import { EMULATOR_TENANT_ID } from '../../src/dev/emulator.js';
import { Browser, expectRefused, hitsOf, hitsSince, paths, reachCallback } from './support.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function expectNotReadyButAlive(): Promise<void> {
  expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
  expect((await fetch(`${h.baseUrl}/readyz`)).status).toBe(503);
  const login = await fetch(`${h.baseUrl}/auth/login`, { redirect: 'manual', headers: { accept: 'text/html' } });
  expect(login.status).toBe(503);
  expect(login.headers.get('content-type')).toMatch(/text\/html/);
  expect(await login.text()).toMatch(/cannot be reached|starting/i);
  expect((await fetch(`${h.baseUrl}/api/me`)).status).toBe(401);
  expect((await fetch(`${h.baseUrl}/mha/`, { redirect: 'manual' })).status).toBe(302);
}

async function waitFor(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

describe('discovery', () => {
  const faults: Array<[string, () => Outcome]> = [
    ['down (503)', () => ({ status: 503, body: 'Service Unavailable', contentType: 'text/plain' })],
    ['a 500 page', () => ({ status: 500, body: '<html>error</html>', contentType: 'text/html' })],
    ['malformed JSON', () => ({ status: 200, body: '{"issuer": ', contentType: 'application/json' })],
    ['a JSON array', () => ({ json: [] })],
  ];
  it.each(faults)('serves friendly 503s while discovery is %s at start, then recovers', async (_name, fault) => {
    h = await startHarness({ emulatorDown: true });
    h.emulator.hostile.set({ discovery: fault });
    h.emulator.available = true;
    await new Promise((r) => setTimeout(r, 300)); // several retries against the fault
    await expectNotReadyButAlive();
    expect(h.oidc.ready).toBe(false);
    h.emulator.hostile.reset();
    await waitFor(async () => (await fetch(`${h.baseUrl}/readyz`)).status === 200);
    const { url } = await new Browser().signIn(`${h.baseUrl}/auth/login`);
    expect(url).toBe(`${h.baseUrl}/mha/`);
  });

  // Issue 15 item 1: waiting cannot fix an issuer for another host or tenant, so the page says "not set up
  // correctly" (500, no Retry-After), not "starting up"; discovery keeps retrying behind it.
  it('refuses a discovery document that names another issuer or another tenant, as a set-up problem', async () => {
    h = await startHarness({ emulatorDown: true });
    for (const issuer of ['https://evil.example/x/v2.0', `${'http://127.0.0.1:1'}/4f1c9c2e-7a35-4c8e-9a59-2d3b8e5f6a71/v2.0`]) {
      h.emulator.hostile.set({ discovery: (real) => ({ json: { ...real, issuer } }) });
      h.emulator.available = true;
      await new Promise((r) => setTimeout(r, 300));
      expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
      expect((await fetch(`${h.baseUrl}/readyz`)).status).toBe(503);
      const login = await fetch(`${h.baseUrl}/auth/login`, { redirect: 'manual', headers: { accept: 'text/html' } });
      expect(login.status).toBe(500);
      expect(login.headers.get('retry-after')).toBeNull();
      expect(await login.text()).toContain('Sign-in is not set up correctly');
      expect((await fetch(`${h.baseUrl}/api/me`)).status).toBe(401);
      expect((await fetch(`${h.baseUrl}/mha/`, { redirect: 'manual' })).status).toBe(302);
      expect(h.oidc.problem).toMatchObject({ check: 'discovery', permanent: true, fix: expect.arrayContaining([expect.stringContaining('ENTRA_TENANT_ID')]) });
      h.emulator.available = false;
    }
    expect(h.logs.some((l) => l['event'] === 'setup.problem' && String(l['msg']).includes('the discovered issuer'))).toBe(true);
  });

  it('keeps serving after discovery when the provider goes down later; sign-in fails friendly, then recovers', async () => {
    h = await startHarness();
    const browser = new Browser();
    const callback = await reachCallback(h, browser);
    h.emulator.available = false;
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
    const logsFrom = h.rawLogs.length;
    const res = await browser.request(callback);
    await expectRefused(h, browser, res, callback, { logsFrom, reason: /entra_error|provider_error|provider_unreachable/ });
    h.emulator.available = true;
    const { url } = await browser.signIn(`${h.baseUrl}/auth/login`);
    expect(url).toBe(`${h.baseUrl}/mha/`);
  });
});

describe('token and signing-key endpoints', () => {
  // Short, so the suite does not wait Entra's default 10 s per case; every bound below is derived from it.
  const TIMEOUT_S = 2;
  const modes: Array<[string, Record<string, string>]> = [
    ['single tenant (openid-client)', {}],
    // The multi-tenant exchange is our own code (template-issuer-grant.ts), with its own timeout signal.
    ['multi-tenant (the {tenantid} template grant)', { ENTRA_TENANT_ID: 'organizations', ENTRA_ALLOWED_TENANTS: EMULATOR_TENANT_ID }],
  ];
  const hung: Array<{ endpoint: 'token' | 'jwks'; what: string }> = [
    { endpoint: 'token', what: 'a hung token endpoint' },
    { endpoint: 'jwks', what: 'a hung signing-key (JWKS) endpoint' },
  ];

  describe.each(modes)('%s', (_mode, env) => {
    it.each(hung)('times out $what within ENTRA_HTTP_TIMEOUT_SECONDS: friendly 504, no session, the transaction consumed', async ({ endpoint }) => {
      h = await startHarness({ env: { ...env, ENTRA_HTTP_TIMEOUT_SECONDS: String(TIMEOUT_S) } });
      h.emulator.hostile.set({ [endpoint]: () => 'hang' });
      const browser = new Browser();
      const callback = await reachCallback(h, browser);
      const logsFrom = h.rawLogs.length;
      const hitsBefore = hitsOf(h);
      const started = Date.now();
      const res = await browser.request(callback);
      const took = Date.now() - started;
      expect(res.status).toBe(504);
      expect(took).toBeGreaterThanOrEqual(TIMEOUT_S * 1000 - 100);
      // One outbound call hangs, once: the answer comes within that call's timeout (plus scheduling).
      expect(took).toBeLessThan(2 * TIMEOUT_S * 1000);
      expect(hitsSince(h, hitsBefore)[paths(h)[endpoint]]).toBe(1);
      await expectRefused(h, browser, res, callback, { logsFrom, hitsBefore, reason: 'provider_unreachable' });
      // The app stays responsive, and the same callback cannot be retried (its state was taken).
      h.emulator.hostile.reset();
      const logsFromAgain = h.rawLogs.length;
      const again = await browser.request(callback);
      await expectRefused(h, browser, again, callback, { reason: 'unknown_state', logsFrom: logsFromAgain });
      // A fresh sign-in works at once: nothing was left stuck.
      expect((await new Browser().signIn(`${h.baseUrl}/auth/login`)).url).toBe(`${h.baseUrl}/mha/`);
    });
  });

  it('answers other requests promptly while a token request hangs', async () => {
    h = await startHarness();
    h.emulator.hostile.set({ token: () => 'hang' });
    const browser = new Browser();
    const callback = await reachCallback(h, browser);
    const pending = browser.request(callback);
    const started = Date.now();
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${h.baseUrl}/`)).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2000);
    await h.emulator.close(); // ends the hung connection: the app answers at once, friendly
    const res = await pending;
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.status).not.toBe(500);
  });
});
