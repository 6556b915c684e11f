/**
 * Front-channel logout is an unauthenticated GET by design (Entra calls it in a hidden iframe without our
 * cookie), so its only power is "end the sessions of this exact Entra sid": nothing more, nothing wider.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { Browser } from './support.js';
import { csrfTokenFrom } from '../support/browser.js';
import type { createMemoryBackend } from '../../src/session/memory-backend.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const alive = async (b: Browser) => (await b.request(`${h.baseUrl}/api/me`, { headers: { accept: 'application/json' } })).status === 200;
const logout = (query: string) => fetch(`${h.baseUrl}/auth/frontchannel-logout${query}`);

async function entraSidOf(browser: Browser): Promise<string> {
  const raw = decodeURIComponent(browser.cookie(h.baseUrl, 'mha.sid')!);
  const id = raw.slice(2, raw.lastIndexOf('.'));
  const data = await new Promise<Record<string, unknown>>((resolve, reject) =>
    h.backend.store.get(id, (err, s) => (err ? reject(err) : resolve(s as unknown as Record<string, unknown>))),
  );
  return (data['user'] as { sid: string }).sid;
}

/** Forgets the emulator's own session cookies so the next sign-in starts a new Entra session (new sid). */
function forgetEntraSession(browser: Browser): void {
  const cookies = browser.jar.get(new URL(h.baseUrl).hostname)!;
  for (const name of [...cookies.keys()]) if (name.startsWith('_session') || name.startsWith('_interaction')) cookies.delete(name);
}

describe('front-channel logout', () => {
  it('never logs anyone out for a missing, empty, repeated, oversized or unknown sid', async () => {
    const a = new Browser();
    await a.signIn(`${h.baseUrl}/auth/login`);
    const b = new Browser();
    await b.signIn(`${h.baseUrl}/auth/login`, 'A.Admin');
    const sid = await entraSidOf(a);
    for (const query of ['', '?sid=', `?sid=${sid}&sid=${sid}`, `?sid[]=${sid}`, `?sid[__proto__]=${sid}`, `?sid=${'x'.repeat(300)}`]) {
      const res = await logout(query);
      expect(res.status, query).toBe(400);
      expect(await alive(a), query).toBe(true);
    }
    for (const query of ['?sid=unknown', '?sid=*', `?sid=${encodeURIComponent(sid.slice(0, -1))}`, `?sid=${encodeURIComponent(sid.toUpperCase())}`]) {
      expect((await logout(query)).status, query).toBe(200);
      expect(await alive(a), query).toBe(true);
    }
    expect(await alive(b)).toBe(true);
  });

  it('refuses a logout that names another issuer', async () => {
    const a = new Browser();
    await a.signIn(`${h.baseUrl}/auth/login`);
    const sid = await entraSidOf(a);
    expect((await logout(`?sid=${encodeURIComponent(sid)}&iss=${encodeURIComponent('https://evil.example/x/v2.0')}`)).status).toBe(400);
    expect(await alive(a)).toBe(true);
  });

  it('is idempotent: a repeated logout for a sid already ended answers 200 and touches nobody else', async () => {
    const a = new Browser();
    await a.signIn(`${h.baseUrl}/auth/login`);
    const other = new Browser();
    await other.signIn(`${h.baseUrl}/auth/login`);
    const sid = await entraSidOf(a);
    expect((await logout(`?sid=${encodeURIComponent(sid)}`)).status).toBe(200);
    expect(await alive(a)).toBe(false);
    expect((await logout(`?sid=${encodeURIComponent(sid)}`)).status).toBe(200);
    expect(await alive(other)).toBe(true);
  });

  it('does not let a stale sid end a newer session of the same user', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    const stale = await entraSidOf(browser);
    forgetEntraSession(browser);
    await browser.signIn(`${h.baseUrl}/auth/login`);
    const current = await entraSidOf(browser);
    expect(current).not.toBe(stale);
    expect((await logout(`?sid=${encodeURIComponent(stale)}`)).status).toBe(200);
    expect(await alive(browser)).toBe(true);
    expect((await logout(`?sid=${encodeURIComponent(current)}`)).status).toBe(200);
    expect(await alive(browser)).toBe(false);
  });
});

describe('front-channel sid index (issue 14 item 9)', () => {
  const index = () => (h.backend as ReturnType<typeof createMemoryBackend>).sidIndex;

  it('issue 14 item 9: signing in again from one Entra session replaces the old id, and sign-out removes it', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    const sid = await entraSidOf(browser);
    const first = index().ids(sid);
    expect(first).toHaveLength(1);
    for (let i = 0; i < 5; i++) await browser.signIn(`${h.baseUrl}/auth/login`);
    // Each sign-in regenerated the session: only the live one is indexed.
    expect(await entraSidOf(browser)).toBe(sid);
    expect(index().ids(sid)).toHaveLength(1);
    expect(index().ids(sid)).not.toEqual(first);

    const page = await (await browser.request(`${h.baseUrl}/auth/logout`)).text();
    const res = await browser.request(`${h.baseUrl}/auth/logout`, { method: 'POST', body: `_csrf=${encodeURIComponent(csrfTokenFrom(page))}`, headers: { 'content-type': 'application/x-www-form-urlencoded', origin: h.baseUrl } });
    expect(res.status).toBe(303);
    expect(index().ids(sid)).toEqual([]);
  });
});
