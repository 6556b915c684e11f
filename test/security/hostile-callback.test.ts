/**
 * Issue 14 items 7 and 8: what a caller writes into the callback's query (the OAuth `error`, AADSTS codes)
 * is text, never a key into an object, a metric label of its choosing, or a failure on the admin status page.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

// Object.prototype's own members: each one, used as an object key, finds something that is not an entry.
const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf'];

// The environments a page is served in, with the proxy headers production needs (https behind one proxy).
const ENVIRONMENTS = {
  development: { env: { NODE_ENV: 'development' }, headers: {} },
  production: { env: { NODE_ENV: 'production', BASE_URL: 'https://mha.example.test', TRUST_PROXY: '1' }, headers: { 'x-forwarded-proto': 'https' } },
} as const;

/** A login started by this browser: its state, so a callback passes the state and browser-binding checks. */
async function startLogin(harness: Harness, browser: Browser, headers: Record<string, string> = {}): Promise<string> {
  const res = await browser.request(`${harness.baseUrl}/auth/login`, { headers });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!).searchParams.get('state')!;
}

function expectNoStack(body: string): void {
  // A stack line, a source file, a module path: none may reach a page.
  expect(body).not.toMatch(/\bat \S+ \(|\.ts:\d+|\.js:\d+|node_modules|\/work\/|TypeError|Cannot read/);
}

describe('issue 14 item 7: prototype names in the callback error never crash the error handler', () => {
  for (const [envName, { env, headers }] of Object.entries(ENVIRONMENTS)) {
    for (const showDetails of ['true', 'false']) {
      it(`issue 14 item 7: error=<Object.prototype member> gives a 4xx friendly page and JSON (NODE_ENV=${envName}, SHOW_ERROR_DETAILS=${showDetails})`, async () => {
        h = await startHarness({ env: { ...env, SHOW_ERROR_DETAILS: showDetails } });
        const browser = new Browser(headers);
        for (const name of PROTOTYPE_NAMES) {
          for (const query of [`error=${name}`, `error=${name}&error_description=${name}&error_codes=[${name}]`, `error=access_denied&error_codes=${name}`]) {
            const state = await startLogin(h, browser);
            const logsFrom = h.logs.length;
            const page = await browser.request(`${h.baseUrl}/auth/callback?state=${state}&${query}`);
            const html = await page.text();
            expect(page.status, `${query}: ${html.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
            expect(page.status, query).toBeLessThan(500);
            expect(page.headers.get('content-type')).toMatch(/^text\/html/);
            // The product's own error page (not the fallback, not Express's): the alert and the request id to quote.
            expect(html, query).toContain('role="alert"');
            expect(html).toContain(page.headers.get('x-request-id')!);
            const error = new URLSearchParams(query).get('error')!;
            // Shown, the technical part names Entra's error as sent (escaped), with the generic advice.
            if (showDetails === 'true') expect(html, query).toContain(`<code>${error}</code>`);
            else expect(html, query).not.toContain(`<code>${error}</code>`);
            expectNoStack(html);
            const logged = h.logs.slice(logsFrom);
            expect(logged.some((l) => l['event'] === 'signin.failure' && l['reason'] === 'entra_error')).toBe(true);
            expect(logged.filter((l) => (l['level'] as string) === 'error'), query).toEqual([]);

            const state2 = await startLogin(h, browser);
            const api = await browser.request(`${h.baseUrl}/auth/callback?state=${state2}&${query}`, { headers: { ...headers, accept: 'application/json' } });
            expect(api.status, query).toBeGreaterThanOrEqual(400);
            expect(api.status, query).toBeLessThan(500);
            const body = (await api.json()) as Record<string, unknown>;
            expect(body['error']).toBe('signin_entra_error');
            if (showDetails === 'true') expect(body['technical']).toMatchObject({ error });
            else expect(body).not.toHaveProperty('technical');
            expectNoStack(JSON.stringify(body));
          }
        }
        // Still serving: the next sign-in works.
        expect((await new Browser(headers).request(`${h.baseUrl}/auth/login`)).status).toBe(302);
      });
    }
  }

  it('issue 14 item 7: an admin (details shown by role) gets the friendly page for error=constructor too', async () => {
    h = await startHarness();
    const browser = new Browser();
    const signedIn = await browser.signIn(`${h.baseUrl}/auth/login`, 'A.Admin');
    expect(signedIn.res.status).toBe(200);
    for (const name of PROTOTYPE_NAMES) {
      const state = await startLogin(h, browser);
      const page = await browser.request(`${h.baseUrl}/auth/callback?state=${state}&error=${name}`);
      const html = await page.text();
      expect(page.status).toBe(400);
      expect(html).toContain('role="alert"');
      // The technical section is there (the admin sees Entra's error), with the generic advice.
      expect(html).toContain(`<code>${name}</code>`);
      expectNoStack(html);
    }
  });
});
