/**
 * Sessions and cookies (OWASP session management): no fixation, no forged ids, server-side idle and
 * absolute timeouts, small cookies with no tokens in them, no caching of signed-in pages, and sign-out
 * that another site cannot trigger. Time moves with a Date.now spy, which the app, its store and the
 * emulator all read.
 */
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startHarness, TEST_SESSION_SECRET, type Harness } from '../support/harness.js';
import { csrfTokenFrom } from '../support/browser.js';
import { DEFAULT_USERS } from '../../src/dev/emulator.js';
import { Browser, recording } from './support.js';

const HOUR = 3_600_000;
let h: Harness;
let offsetMs = 0;
beforeEach(async () => {
  offsetMs = 0;
  const realNow = Date.now.bind(Date);
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);
});
afterEach(async () => {
  await h?.close();
  vi.restoreAllMocks();
});

/** express-session's cookie value for a session id, signed with `secret` (cookie-signature's format). */
function signedCookie(id: string, secret: string): string {
  const mac = createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, '');
  return encodeURIComponent(`s:${id}.${mac}`);
}

function sessionIdOf(browser: Browser): string {
  const raw = decodeURIComponent(browser.cookie(h.baseUrl, 'mha.sid')!);
  return raw.slice(2, raw.lastIndexOf('.'));
}

const me = (browser: Browser) => browser.request(`${h.baseUrl}/api/me`, { headers: { accept: 'application/json' } });
const meWith = (cookie: string) => fetch(`${h.baseUrl}/api/me`, { headers: { cookie: `mha.sid=${cookie}` } });

describe('session ids', () => {
  beforeEach(async () => {
    h = await startHarness();
  });

  it('never promotes a cookie planted before sign-in (fixation), even a valid one of the attacker', async () => {
    const attacker = new Browser();
    await attacker.signIn(`${h.baseUrl}/auth/login`, 'A.Admin');
    const attackerCookie = attacker.cookie(h.baseUrl, 'mha.sid')!;

    const victim = new Browser();
    victim.setCookie(h.baseUrl, 'mha.sid', attackerCookie);
    await victim.signIn(`${h.baseUrl}/auth/login`);
    expect(victim.cookie(h.baseUrl, 'mha.sid')).not.toBe(attackerCookie);
    expect(((await (await me(victim)).json()) as { name: string }).name).toBe('B.Simon');
    // The planted id never became the victim's session: it is gone (regenerated), not B.Simon's.
    const planted = await meWith(attackerCookie);
    if (planted.status === 200) expect(((await planted.json()) as { name: string }).name).toBe('A.Admin');
    else expect(planted.status).toBe(401);

    const anonymous = new Browser();
    anonymous.setCookie(h.baseUrl, 'mha.sid', signedCookie('chosen-by-attacker', TEST_SESSION_SECRET));
    await anonymous.request(`${h.baseUrl}/`);
    await anonymous.signIn(`${h.baseUrl}/auth/login`);
    expect(sessionIdOf(anonymous)).not.toBe('chosen-by-attacker');
    expect((await meWith(signedCookie('chosen-by-attacker', TEST_SESSION_SECRET))).status).toBe(401);
  });

  it('accepts only ids signed with the session secret', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    const id = sessionIdOf(browser);
    expect((await meWith(signedCookie(id, TEST_SESSION_SECRET))).status).toBe(200); // the control
    expect((await meWith(encodeURIComponent(id))).status).toBe(401); // unsigned
    expect((await meWith(encodeURIComponent(`s:${id}`))).status).toBe(401); // no signature
    expect((await meWith(signedCookie(id, 'another-secret-that-is-long-enough-0123456789'))).status).toBe(401);
    expect((await meWith(signedCookie(id, TEST_SESSION_SECRET).slice(0, -3) + 'AAA')).status).toBe(401);
    expect((await meWith(signedCookie(`${id}x`, TEST_SESSION_SECRET))).status).toBe(401); // validly signed, unknown id
  });
});

describe('timeouts enforced on the server', () => {
  beforeEach(async () => {
    h = await startHarness();
  });

  it('ends an idle session after the idle timeout', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    offsetMs = h.config.session.idleTimeoutMs - 60_000;
    expect((await me(browser)).status).toBe(200);
    offsetMs += h.config.session.idleTimeoutMs + 1000;
    // The browser still presents the cookie (a client ignores expiry at will); the server says no.
    expect(browser.cookie(h.baseUrl, 'mha.sid')).toBeDefined();
    expect((await me(browser)).status).toBe(401);
  });

  it('ends an active session at the absolute timeout', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    const cookie = browser.cookie(h.baseUrl, 'mha.sid');
    const step = h.config.session.idleTimeoutMs - 10 * 60_000;
    while (offsetMs + step < h.config.session.absoluteTimeoutMs) {
      offsetMs += step;
      expect((await me(browser)).status, `active at ${offsetMs / HOUR} h`).toBe(200);
    }
    offsetMs = h.config.session.absoluteTimeoutMs + 1000;
    expect((await me(browser)).status).toBe(401);
    expect(h.logs.some((l) => l['event'] === 'session.expired' && l['reason'] === 'absolute')).toBe(true);
    // The old cookie stays dead when presented again.
    expect((await meWith(cookie!)).status).toBe(401);
  });
});

describe('cookies and caching', () => {
  it('keeps every cookie under 4 KB and free of tokens, even for a user with very large claims', async () => {
    const big = {
      ...DEFAULT_USERS[0]!,
      username: `B.Simon.${'x'.repeat(200)}@contoso.com`,
      roles: Array.from({ length: 200 }, (_, i) => `MHA.Role.${i}.${'x'.repeat(40)}`),
    };
    h = await startHarness({ users: [big, ...DEFAULT_USERS.slice(1)] });
    const tokens: string[] = [];
    h.emulator.hostile.set({ token: recording(() => 'pass', tokens) });
    const browser = new Browser();
    const setCookies: string[] = [];
    const original = browser.request.bind(browser);
    browser.request = async (url, init) => {
      const res = await original(url, init);
      if (url.startsWith(h.baseUrl)) setCookies.push(...res.headers.getSetCookie());
      return res;
    };
    await browser.signIn(`${h.baseUrl}/auth/login`);
    const body = (await (await me(browser)).json()) as { roles: string[] };
    expect(body.roles).toHaveLength(200);
    expect(tokens.length).toBeGreaterThan(0);
    expect(setCookies.length).toBeGreaterThan(0);
    for (const c of setCookies) {
      expect(Buffer.byteLength(c)).toBeLessThan(4096);
      expect(c).not.toMatch(/eyJ/);
      for (const t of tokens) expect(c).not.toContain(t.slice(-20));
    }
  });

  it('sends Cache-Control: no-store on the callback and on every signed-in page and API', async () => {
    h = await startHarness();
    const browser = new Browser();
    const { steps } = await browser.signIn(`${h.baseUrl}/auth/login`);
    expect(steps.some((s) => s.url.startsWith(`${h.baseUrl}/auth/callback`))).toBe(true);
    const callback = await fetch(steps.find((s) => s.url.startsWith(`${h.baseUrl}/auth/callback`))!.url, { redirect: 'manual' });
    expect(callback.headers.get('cache-control')).toBe('no-store');
    for (const path of ['/mha/', '/mha/profile', '/api/me', '/auth/logout', '/']) {
      const res = await browser.request(`${h.baseUrl}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
  });
});

describe('sign-out cannot be forced by another site', () => {
  beforeEach(async () => {
    h = await startHarness();
  });

  it('refuses sign-out without the token, with another session’s token, or from another origin', async () => {
    const victim = new Browser();
    const { res } = await victim.signIn(`${h.baseUrl}/auth/login`);
    const token = csrfTokenFrom(await res.text());
    const attacker = new Browser();
    const attackerPage = await attacker.signIn(`${h.baseUrl}/auth/login`, 'A.Admin');
    const attackerToken = csrfTokenFrom(await attackerPage.res.text());

    const attempts: Array<{ body: string; headers?: Record<string, string> }> = [
      { body: '' },
      { body: `_csrf=${encodeURIComponent(attackerToken)}` },
      { body: `_csrf=${encodeURIComponent(token)}`, headers: { origin: 'https://evil.example' } },
      { body: `_csrf=${encodeURIComponent(token)}`, headers: { origin: 'null' } },
      { body: `_csrf=${encodeURIComponent(token)}&_csrf=${encodeURIComponent(token)}` },
    ];
    for (const attempt of attempts) {
      const r = await victim.request(`${h.baseUrl}/auth/logout`, { method: 'POST', ...attempt });
      expect(r.status, JSON.stringify(attempt)).toBe(403);
    }
    // A GET (a link or an <img> on another site) only shows the confirmation page.
    expect((await victim.request(`${h.baseUrl}/auth/logout`)).status).toBe(200);
    expect((await me(victim)).status).toBe(200);
    expect(h.logs.some((l) => l['event'] === 'signout')).toBe(false);
  });

  it('refuses cross-site POSTs to every other route without a 500 and without touching the session', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    for (const path of ['/auth/callback', '/auth/login', '/mha/', '/api/me', '/auth/frontchannel-logout', '/']) {
      const r = await browser.request(`${h.baseUrl}${path}`, { method: 'POST', body: 'a=1', headers: { origin: 'https://evil.example' } });
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
    }
    expect((await me(browser)).status).toBe(200);
  });
});
