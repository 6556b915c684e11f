import { afterEach, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function callbackUrlFor(harness: Harness, browser: Browser, user = 'B.Simon'): Promise<string> {
  return browser.untilCallback(`${harness.baseUrl}/auth/login`, `${harness.baseUrl}/auth/callback`, user);
}

async function expectNoSession(harness: Harness, browser: Browser): Promise<void> {
  const me = await browser.request(`${harness.baseUrl}/api/me`, { headers: { accept: 'application/json' } });
  expect(me.status).toBe(401);
}

describe('callback refusals', () => {
  it('refuses a callback whose state was never issued (unsolicited or tampered)', async () => {
    h = await startHarness();
    const browser = new Browser();
    const url = new URL(await callbackUrlFor(h, browser));
    url.searchParams.set('state', 'forged-state-value');
    const res = await browser.request(url.href);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('This sign-in attempt has expired or was already used');
    expect(html).toContain('role="alert"');
    expect(html).not.toContain(url.searchParams.get('code')!);
    await expectNoSession(h, browser);
    expect(h.logs.some((l) => l['event'] === 'signin.failure' && l['reason'] === 'unknown_state')).toBe(true);
  });

  it('refuses a callback without any prior login', async () => {
    h = await startHarness();
    const browser = new Browser();
    const res = await browser.request(`${h.baseUrl}/auth/callback?code=abc&state=xyz`);
    expect(res.status).toBe(400);
    await expectNoSession(h, browser);
  });

  it('refuses a missing or repeated state', async () => {
    h = await startHarness();
    for (const query of ['code=abc', 'code=abc&state=a&state=a', 'code=abc&state=']) {
      const res = await fetch(`${h.baseUrl}/auth/callback?${query}`);
      expect(res.status, query).toBe(400);
    }
  });

  it('refuses a replayed callback: the state is single-use', async () => {
    h = await startHarness();
    const browser = new Browser();
    const url = await callbackUrlFor(h, browser);
    const first = await browser.request(url);
    expect(first.status).toBe(302);
    const replay = await browser.request(url);
    expect(replay.status).toBe(400);
    // The first session is still fine; the replay created nothing new.
    expect((await browser.request(`${h.baseUrl}/api/me`)).status).toBe(200);
  });

  it("refuses an attacker's code and state replayed into another browser", async () => {
    h = await startHarness();
    const attacker = new Browser();
    const url = await callbackUrlFor(h, attacker);
    const victim = new Browser();
    const res = await victim.request(url);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('different browser');
    await expectNoSession(h, victim);
  });

  it('lets exactly one of two concurrent callbacks with one state win', async () => {
    h = await startHarness();
    const browser = new Browser();
    const url = await callbackUrlFor(h, browser);
    const statuses = (await Promise.all([browser.request(url), browser.request(url)])).map((r) => r.status).sort();
    expect(statuses).toEqual([302, 400]);
  });

  it('completes two parallel logins started in two tabs', async () => {
    h = await startHarness();
    const browser = new Browser();
    const tab1 = await browser.request(`${h.baseUrl}/auth/login?returnTo=/mha/one`);
    const tab2 = await browser.request(`${h.baseUrl}/auth/login?returnTo=/mha/two`);
    const done2 = await browser.signIn(tab2.headers.get('location')!);
    expect(done2.url).toBe(`${h.baseUrl}/mha/two`);
    const done1 = await browser.follow(tab1.headers.get('location')!);
    expect(done1.url).toBe(`${h.baseUrl}/mha/one`);
  });

  it('refuses a login transaction older than its lifetime', async () => {
    h = await startHarness();
    const browser = new Browser();
    const url = await callbackUrlFor(h, browser);
    h.advance(h.config.loginTransaction.ttlMs + 1000);
    const res = await browser.request(url);
    expect(res.status).toBe(400);
  });

  it('shows Entra access_denied (AADSTS50105, user not assigned) as a friendly page with the ids to quote', async () => {
    h = await startHarness();
    const browser = new Browser();
    const url = await callbackUrlFor(h, browser, 'U.Unassigned');
    expect(new URL(url).searchParams.get('error')).toBe('access_denied');
    const res = await browser.request(url);
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain('Your account has not been given access to iLOGON_MHA');
    expect(html).toContain('AADSTS50105');
    expect(html).toMatch(/Trace ID<\/dt><dd><code>[0-9a-f-]{36}</);
    expect(html).toMatch(/Correlation ID<\/dt><dd><code>[0-9a-f-]{36}</);
    expect(html).toContain(res.headers.get('x-request-id')!);
    await expectNoSession(h, browser);
    expect(h.logs.some((l) => l['event'] === 'signin.failure' && l['aadsts'] === '50105')).toBe(true);
  });

  it('refuses implicit-flow parameters injected into the callback', async () => {
    h = await startHarness();
    const browser = new Browser();
    const url = new URL(await callbackUrlFor(h, browser));
    url.searchParams.set('id_token', 'eyJhbGciOiJub25lIn0.e30.');
    const res = await browser.request(url.href);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    await expectNoSession(h, browser);
  });
});

describe('availability', () => {
  it('starts while the authority is down: /readyz 503 and a friendly 503 on sign-in, then recovers by itself', async () => {
    h = await startHarness({ emulatorDown: true });
    const ready = await fetch(`${h.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks['discovery']).toMatch(/discovery/);
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
    const login = await fetch(`${h.baseUrl}/auth/login`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(login.status).toBe(503);
    expect(login.headers.get('retry-after')).toBeTruthy();
    expect(await login.text()).toContain('Sign-in is starting up');

    h.emulator.available = true;
    await h.oidc.whenReady();
    expect((await fetch(`${h.baseUrl}/readyz`)).status).toBe(200);
    const browser = new Browser();
    const { url } = await browser.signIn(`${h.baseUrl}/auth/login`);
    expect(url).toBe(`${h.baseUrl}/mha/`);
  });

  it('answers a friendly error, not a crash, when the token endpoint is down during the callback', async () => {
    h = await startHarness();
    const browser = new Browser();
    const url = await callbackUrlFor(h, browser);
    h.emulator.available = false;
    const res = await browser.request(url);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).not.toBe(500);
    await expectNoSession(h, browser);
  });
});

describe('session lifetime', () => {
  it('ends a session after the idle timeout, server side', async () => {
    h = await startHarness();
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    h.advance(h.config.session.idleTimeoutMs + 1000);
    expect((await browser.request(`${h.baseUrl}/api/me`)).status).toBe(401);
  });

  it('keeps an active session alive past the idle timeout but ends it at the absolute timeout', async () => {
    h = await startHarness({ env: { SESSION_IDLE_TIMEOUT_MINUTES: '60', SESSION_ABSOLUTE_TIMEOUT_MINUTES: '150' } });
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    for (let i = 0; i < 4; i++) {
      h.advance(40 * 60_000);
      // 160 minutes after sign-in: past the absolute limit even though the user kept working.
      expect((await browser.request(`${h.baseUrl}/api/me`)).status).toBe(i < 3 ? 200 : 401);
    }
  });

  it('does not write the session or set a cookie on every request', async () => {
    h = await startHarness();
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    const res = await browser.request(`${h.baseUrl}/api/me`);
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual([]);
  });
});

describe('malformed input never yields a 500', () => {
  it.each([
    ['bad percent-encoding in the path', '/mha/%E0%A4%A'],
    ['bad percent-encoding in the query', '/auth/login?returnTo=%E0%A4%A'],
    ['bad percent-encoding in the callback', '/auth/callback?state=%ZZ&code=%'],
    ['a 20 KB query', `/auth/login?returnTo=/${'a'.repeat(20_000)}`],
    ['a prototype-polluting query', '/auth/login?returnTo[__proto__][x]=1&returnTo[]=//evil'],
    ['an unknown page', '/nope'],
    ['an unknown API', '/api/nope'],
  ])('%s', async (_name, path) => {
    h ??= await startHarness();
    const res = await fetch(`${h.baseUrl}${path}`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(res.status, path).toBeLessThan(500);
    const body = await res.text();
    expect(body).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it('answers an unknown path with a 404 page or JSON depending on Accept', async () => {
    h = await startHarness();
    const page = await fetch(`${h.baseUrl}/nope`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/html/);
    const json = await fetch(`${h.baseUrl}/nope`, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(404);
    expect(await json.json()).toMatchObject({ error: 'not_found' });
  });

  it('treats a garbage or forged session cookie as signed out', async () => {
    h = await startHarness();
    for (const cookie of ['mha.sid=garbage', 'mha.sid=s%3Aabc.def', 'mha.sid=%E0%A4%A', `mha.sid=${'x'.repeat(3000)}`]) {
      const res = await fetch(`${h.baseUrl}/api/me`, { headers: { cookie } });
      expect(res.status, cookie).toBe(401);
      const page = await fetch(`${h.baseUrl}/mha/`, { headers: { cookie }, redirect: 'manual' });
      expect(page.status, cookie).toBe(302);
    }
  });

  it('never logs the code, tokens, cookies or the client secret', async () => {
    h = await startHarness();
    const browser = new Browser();
    const url = await callbackUrlFor(h, browser);
    const code = new URL(url).searchParams.get('code')!;
    await browser.request(url);
    await browser.request(`${h.baseUrl}/api/me`);
    const all = h.rawLogs.join('\n');
    expect(all).not.toContain(code);
    expect(all).not.toContain(h.config.entra.clientSecret);
    expect(all).not.toContain(browser.cookie(h.baseUrl, 'mha.sid')!);
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });
});
