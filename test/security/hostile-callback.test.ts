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

/** Every series /metrics exposes (name and labels), without the values. */
async function seriesOf(harness: Harness): Promise<Set<string>> {
  const text = await (await fetch(`${harness.baseUrl}/metrics`)).text();
  return new Set(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.slice(0, l.lastIndexOf(' '))));
}

function sample(series: string, text: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** What the admin status page lists as sign-in failures (read as JSON by a signed-in admin). */
async function statusFailures(harness: Harness, admin: Browser): Promise<Array<{ code: string; count: number }>> {
  const res = await admin.request(`${harness.baseUrl}/mha/admin/status`, { headers: { accept: 'application/json' } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { failures: Array<{ code: string; count: number }> }).failures;
}

// Six- to eight-digit codes that are not in the AADSTS table (the table's codes are skipped by the filter).
function randomCodes(n: number, known: ReadonlySet<string>): string[] {
  const codes = new Set<string>();
  while (codes.size < n) {
    const code = String(100_000 + Math.floor(Math.random() * 89_900_000));
    if (!known.has(code)) codes.add(code);
  }
  return [...codes];
}

describe('issue 14 item 8: forged callbacks neither grow the metrics nor fill the status page', () => {
  it('issue 14 item 8: 100 forged callbacks (no valid transaction) with random AADSTS codes add no series and no listed failure', async () => {
    // The sign-in rate limit off: what is under test is what a forged callback records, not how many get through.
    h = await startHarness({ env: { RATE_LIMIT_AUTH_MAX: '0' } });
    const { MAPPED_AADSTS_CODES } = await import('../../src/auth/entra-errors.js');
    const admin = new Browser();
    await admin.signIn(`${h.baseUrl}/auth/login`, 'A.Admin');
    const forged = (code: string, state: string | undefined) =>
      `error=invalid_client&error_codes=[${code}]&error_description=${encodeURIComponent(`AADSTS${code}: The client secret is not valid.`)}${state === undefined ? '' : `&state=${state}`}`;
    const victim = new Browser();
    const attacker = new Browser();
    // One of each kind first, so every series a forged callback can touch exists before counting.
    const warmUp = [forged('7000215', undefined), forged('7000215', 'never-issued'), forged('7000215', await startLogin(h, victim))];
    for (const query of warmUp) expect((await attacker.request(`${h.baseUrl}/auth/callback?${query}`)).status).toBe(400);
    // The first scrape adds the series of /metrics itself.
    await seriesOf(h);
    const before = await seriesOf(h);

    const codes = randomCodes(100, new Set(MAPPED_AADSTS_CODES));
    for (const [i, code] of codes.entries()) {
      // No state, a state never issued, or another browser's real state (the binding check refuses it).
      const state = i % 3 === 0 ? undefined : i % 3 === 1 ? `forged-${code}` : await startLogin(h, victim);
      const res = await attacker.request(`${h.baseUrl}/auth/callback?${forged(code, state)}`);
      expect(res.status).toBe(400);
    }
    const after = await seriesOf(h);
    expect([...after].filter((s) => !before.has(s))).toEqual([]);
    const text = await (await fetch(`${h.baseUrl}/metrics`)).text();
    for (const code of codes) expect(text).not.toContain(code);
    // Counted by reason only: a bounded set of series.
    expect(sample('signins_total{outcome="failure",reason="unknown_state",aadsts=""}', text)).toBe(34);
    expect(sample('signins_total{outcome="failure",reason="invalid_state",aadsts=""}', text)).toBe(35);
    expect(sample('signins_total{outcome="failure",reason="browser_mismatch",aadsts=""}', text)).toBe(34);
    // Nothing on the status page: not the fake codes, not the refusals themselves.
    expect(await statusFailures(h, admin)).toEqual([]);
  });

  it('issue 14 item 8: codes outside the AADSTS table are one label value, even from a callback with a valid transaction', async () => {
    h = await startHarness({ env: { RATE_LIMIT_AUTH_MAX: '0' } });
    const { MAPPED_AADSTS_CODES } = await import('../../src/auth/entra-errors.js');
    const attacker = new Browser();
    const codes = randomCodes(100, new Set(MAPPED_AADSTS_CODES));
    for (const code of codes) {
      const state = await startLogin(h, attacker);
      expect((await attacker.request(`${h.baseUrl}/auth/callback?state=${state}&error=invalid_client&error_codes=[${code}]`)).status).toBe(400);
    }
    const text = await (await fetch(`${h.baseUrl}/metrics`)).text();
    const labels = new Set([...text.matchAll(/^signins_total\{[^}]*aadsts="([^"]*)"\}/gm)].map((m) => m[1]));
    expect([...labels]).toEqual(['other']);
    expect(sample('signins_total{outcome="failure",reason="entra_error",aadsts="other"}', text)).toBe(100);
    for (const code of codes) expect(text).not.toContain(code);
    // The route label is the template, never "undefined/...".
    expect(text).not.toContain('undefined');
  });

  it('issue 14 item 8: a real failed sign-in through the emulator is still counted and listed with its known code', async () => {
    h = await startHarness();
    const admin = new Browser();
    await admin.signIn(`${h.baseUrl}/auth/login`, 'A.Admin');
    // Conditional Access at the authorization endpoint (front channel), then an expired secret at the token endpoint.
    h.emulator.faults.authorizeError = 53003;
    const blocked = await new Browser().signIn(`${h.baseUrl}/auth/login`);
    expect(blocked.res.status).toBe(403);
    h.emulator.faults.reset();
    h.emulator.faults.secretExpired = true;
    const expired = await new Browser().signIn(`${h.baseUrl}/auth/login`);
    expect(expired.res.status).toBe(400);
    h.emulator.faults.reset();

    const text = await (await fetch(`${h.baseUrl}/metrics`)).text();
    expect(sample('signins_total{outcome="failure",reason="entra_error",aadsts="53003"}', text)).toBe(1);
    expect(sample('signins_total{outcome="failure",reason="entra_error",aadsts="7000222"}', text)).toBe(1);
    const failures = await statusFailures(h, admin);
    expect(failures.map((f) => [f.code, f.count]).sort()).toEqual([
      ['AADSTS53003', 1],
      ['AADSTS7000222', 1],
    ]);
  });
});
