/**
 * The callback is bound to one login in one browser: state is single-use, tied to the browser that started
 * the login, expires, and cannot be split, repeated, replayed or combined with someone else's code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import type { Json } from '../../src/dev/hostile.js';
import { Browser, expectRefused, hitsOf, hitsSince, paths, reachCallback } from './support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

function withQuery(callback: string, edit: (q: URLSearchParams) => void): string {
  const url = new URL(callback);
  edit(url.searchParams);
  return url.href;
}

async function expectCallbackRefused(browser: Browser, url: string, reason: string | RegExp, opts: { tokenCalls?: number } = {}) {
  const logsFrom = h.rawLogs.length;
  const before = hitsOf(h);
  const res = await browser.request(url);
  const got = await expectRefused(h, browser, res, url, { reason, logsFrom, hitsBefore: before });
  expect(hitsSince(h, before)[paths(h).token] ?? 0).toBe(opts.tokenCalls ?? 0);
  return got;
}

describe('state', () => {
  it('refuses a state that no login issued', async () => {
    const browser = new Browser();
    const callback = await reachCallback(h, browser);
    await expectCallbackRefused(browser, withQuery(callback, (q) => q.set('state', 'x'.repeat(43))), 'unknown_state');
  });

  it('refuses a missing or empty state', async () => {
    const browser = new Browser();
    const callback = await reachCallback(h, browser);
    await expectCallbackRefused(browser, withQuery(callback, (q) => q.delete('state')), 'invalid_state');
    await expectCallbackRefused(browser, withQuery(callback, (q) => q.set('state', '')), 'invalid_state');
  });

  it('refuses a repeated state (state=a&state=a), even when both copies are the real one', async () => {
    const browser = new Browser();
    const callback = await reachCallback(h, browser);
    const state = new URL(callback).searchParams.get('state')!;
    await expectCallbackRefused(browser, `${callback}&state=${encodeURIComponent(state)}`, 'invalid_state');
  });

  it('refuses bracket tricks on state (state[]=, state[__proto__]=)', async () => {
    const browser = new Browser();
    const callback = await reachCallback(h, browser);
    const state = new URL(callback).searchParams.get('state')!;
    const code = new URL(callback).searchParams.get('code')!;
    const base = `${h.baseUrl}/auth/callback?code=${encodeURIComponent(code)}`;
    await expectCallbackRefused(browser, `${base}&state[]=${encodeURIComponent(state)}`, 'invalid_state');
    await expectCallbackRefused(browser, `${base}&state[__proto__][x]=${encodeURIComponent(state)}`, 'invalid_state');
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it('refuses an unsolicited callback (no login started in this browser)', async () => {
    const browser = new Browser();
    await expectCallbackRefused(browser, `${h.baseUrl}/auth/callback?code=abc&state=${'s'.repeat(43)}`, 'unknown_state');
  });

  it('refuses a callback whose login transaction outlived its TTL, and the state stays dead', async () => {
    const browser = new Browser();
    const callback = await reachCallback(h, browser);
    h.advance(h.config.loginTransaction.ttlMs + 1000);
    try {
      await expectCallbackRefused(browser, callback, 'unknown_state');
    } finally {
      h.advance(-(h.config.loginTransaction.ttlMs + 1000));
    }
    await expectCallbackRefused(browser, callback, 'unknown_state');
  });
});

describe('binding to one browser and one use', () => {
  it("refuses an attacker's valid code+state replayed into another browser, and burns the state", async () => {
    const attacker = new Browser();
    const callback = await reachCallback(h, attacker, 'A.Admin');
    const victim = new Browser();
    await victim.request(`${h.baseUrl}/auth/login`); // the victim has a binding cookie of their own
    await expectCallbackRefused(victim, callback, 'browser_mismatch');
    // The attacker cannot use it either now: the state was taken on first sight.
    await expectCallbackRefused(attacker, callback, 'unknown_state');
  });

  it('refuses a replayed callback after a successful sign-in and keeps the first session intact', async () => {
    const browser = new Browser();
    const callback = await reachCallback(h, browser);
    const first = await browser.request(callback);
    expect(first.status).toBe(302);
    const cookie = browser.cookie(h.baseUrl, 'mha.sid');
    const fresh = new Browser();
    fresh.setCookie(h.baseUrl, 'mha.auth', browser.cookie(h.baseUrl, 'mha.auth')!);
    await expectCallbackRefused(fresh, callback, 'unknown_state');
    expect((await browser.request(`${h.baseUrl}/api/me`)).status).toBe(200);
    expect(browser.cookie(h.baseUrl, 'mha.sid')).toBe(cookie);
  });

  it('lets exactly one of two concurrent callbacks with one state win', async () => {
    const browser = new Browser();
    const callback = await reachCallback(h, browser);
    const before = hitsOf(h);
    const cookie = `mha.auth=${browser.cookie(h.baseUrl, 'mha.auth')!}`;
    const results = await Promise.all(
      Array.from({ length: 5 }, () => fetch(callback, { redirect: 'manual', headers: { cookie, accept: 'text/html' } })),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([302, 400, 400, 400, 400]);
    expect(hitsSince(h, before)[paths(h).token]).toBe(1);
  });

  it('completes two parallel logins started in two tabs of one browser, each to its own returnTo', async () => {
    const browser = new Browser();
    const tab1 = await reachCallback(h, browser, 'B.Simon', `/auth/login?returnTo=${encodeURIComponent('/mha/one')}`);
    // The emulator now has a session, so the second tab goes straight back with its own code and state.
    const second = await browser.follow(`${h.baseUrl}/auth/login?returnTo=${encodeURIComponent('/mha/two')}`);
    const tab2 = second.steps.find((s) => s.location?.includes('/auth/callback?'))!.location!;
    expect(second.url).toBe(`${h.baseUrl}/mha/two`);
    expect(tab2).not.toBe(tab1);
    const res1 = await browser.request(tab1);
    expect(res1.status).toBe(302);
    expect(res1.headers.get('location')).toBe('/mha/one');
    expect((await browser.request(`${h.baseUrl}/api/me`)).status).toBe(200);
  });

  it('refuses id_token= and token= injected into the callback, and never calls the token endpoint', async () => {
    const browser = new Browser();
    const forged = await h.emulator.hostile.sign({ sub: 'attacker', iss: h.emulator.issuer, aud: h.config.entra.clientId });
    const callback = await reachCallback(h, browser);
    await expectCallbackRefused(browser, withQuery(callback, (q) => q.set('id_token', forged)), 'invalid_token');
    const again = await reachCallback(h, browser);
    await expectCallbackRefused(browser, withQuery(again, (q) => q.set('token', forged)), 'invalid_token');
  });

  it('ignores an access_token= injected into the callback: the identity still comes only from the code exchange', async () => {
    const browser = new Browser();
    const callback = await reachCallback(h, browser);
    const res = await browser.request(withQuery(callback, (q) => {
      q.set('access_token', 'attacker');
      q.set('token_type', 'Bearer');
    }));
    expect(res.status).toBe(302);
    const me = (await (await browser.request(`${h.baseUrl}/api/me`)).json()) as Record<string, unknown>;
    expect(me['name']).toBe('B.Simon');
  });

  it("answers a PKCE verifier mismatch (an attacker's code injected under the victim's state) with invalid_grant", async () => {
    const attacker = new Browser();
    const attackerCallback = await reachCallback(h, attacker, 'A.Admin');
    const victim = new Browser();
    const victimCallback = await reachCallback(h, victim);
    const injected = withQuery(victimCallback, (q) => q.set('code', new URL(attackerCallback).searchParams.get('code')!));
    const answers: Json[] = [];
    h.emulator.hostile.set({ token: (real) => (answers.push(real), 'pass') });
    try {
      await expectCallbackRefused(victim, injected, 'entra_error', { tokenCalls: 1 });
    } finally {
      h.emulator.hostile.reset();
    }
    expect(answers).toHaveLength(1);
    // The code is fresh, for our client and redirect_uri: only the verifier (the victim's) does not match it.
    expect(answers[0]).toMatchObject({ error: 'invalid_grant' });
  });
});
