/**
 * Issue 16 item 5: one cookie module (src/http/cookies.ts): every cookie the server sets has a name from its
 * table and the same attributes, and every cookie is read by the one parser, decoded as express-session does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cookieNames } from '../../src/http/cookies.js';
import { Browser, csrfTokenFrom } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A browser that writes down every Set-Cookie it is sent. */
function recordingBrowser(headers: Record<string, string>, seen: string[]): Browser {
  return new Browser(headers, async (input, init) => {
    const res = await fetch(input, init);
    if (String(input instanceof URL ? input.href : input).startsWith(h!.baseUrl)) seen.push(...res.headers.getSetCookie());
    return res;
  });
}

const ENVIRONMENTS: Record<string, { env: Record<string, string>; headers: Record<string, string>; secure: boolean }> = {
  development: { env: { NODE_ENV: 'development' }, headers: {}, secure: false },
  production: { env: { NODE_ENV: 'production', BASE_URL: 'https://mha.example.test', TRUST_PROXY: '1' }, headers: { 'x-forwarded-proto': 'https' }, secure: true },
};

describe('issue 16 item 5: one cookie module', () => {
  for (const [envName, { env, headers, secure }] of Object.entries(ENVIRONMENTS)) {
    it(`issue 16 item 5: every cookie set on the way through sign-in, language, sign-out, a failed sign-in and admin consent has a name from the table and the same attributes (${envName})`, async () => {
      h = await startHarness({ env });
      const seen: string[] = [];
      const browser = recordingBrowser(headers, seen);
      const base = h.baseUrl;
      // Entra sends the browser back to the registered (public) callback; here that is this test's app.
      const callbackVia = async (user: string) => {
        const url = new URL(await browser.untilCallback(`${base}/auth/login`, `${env['BASE_URL'] ?? base}/auth/callback`, user));
        return browser.request(`${base}${url.pathname}${url.search}`, { headers: { 'sec-fetch-dest': 'document' } });
      };
      expect((await callbackVia('B.Simon')).status).toBe(302);
      await browser.request(`${base}/lang/ja?returnTo=/mha/`);
      await browser.request(`${base}/auth/admin-consent?tenant=contoso.com`);
      const token = csrfTokenFrom(await (await browser.request(`${base}/auth/logout`)).text());
      expect((await browser.request(`${base}/auth/logout`, { method: 'POST', body: `_csrf=${encodeURIComponent(token)}`, headers: { origin: env['BASE_URL'] ?? base } })).status).toBe(303);
      await browser.request(`${base}/`);
      h.emulator.faults.authorizeError = 50105;
      expect((await callbackVia('U.Unassigned')).status).toBe(303);

      const names = new Set(Object.values(cookieNames(secure)));
      const setNames = new Set(seen.map((c) => c.slice(0, c.indexOf('='))));
      // Each of the six kinds was set at least once on this walk, and nothing else was.
      expect([...setNames].sort()).toEqual([...names].sort());
      for (const cookie of seen) {
        const attributes = cookie.split(';').slice(1).map((a) => a.trim().toLowerCase());
        expect(attributes, cookie).toEqual(expect.arrayContaining(['path=/', 'httponly', 'samesite=lax']));
        expect(attributes.includes('secure'), cookie).toBe(secure);
        expect(attributes.some((a) => a.startsWith('domain=')), cookie).toBe(false);
      }
    });
  }

  it('issue 16 item 5: the language cookie is read as express-session reads its own: percent-decoded and unquoted', async () => {
    h = await startHarness();
    for (const value of ['%6A%61', '"ja"']) {
      const browser = new Browser({ 'accept-language': 'en' });
      browser.setCookie(h.baseUrl, 'mha.lang', value);
      const res = await browser.request(`${h.baseUrl}/`);
      expect(res.headers.get('content-language'), value).toBe('ja');
    }
  });
});
