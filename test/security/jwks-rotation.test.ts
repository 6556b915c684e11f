/**
 * Key selection and rotation. The app verifies every id_token signature against the provider's JWKS,
 * cached by openid-client (oauth4webapi): on a kid it does not know it refetches the JWKS once, but only
 * when its copy is at least 60 s old, so a flood of tokens with random kids costs at most one fetch a
 * minute. The clock is moved with a Date.now spy (every party here, the emulator included, reads it).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { Browser, expectRefused, hitsOf, hitsSince, paths, reachCallback } from './support.js';

let h: Harness;
let offsetMs = 0;
beforeEach(async () => {
  offsetMs = 0;
  const realNow = Date.now.bind(Date);
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
  vi.restoreAllMocks();
});

async function signIn(): Promise<{ browser: Browser; res: Response; callback: string; before: Map<string, number>; logsFrom: number }> {
  const browser = new Browser();
  const callback = await reachCallback(h, browser);
  const before = hitsOf(h);
  const logsFrom = h.rawLogs.length;
  const res = await browser.request(callback);
  return { browser, res, callback, before, logsFrom };
}

describe('JWKS key selection', () => {
  it('refetches the JWKS once for a new kid once the cached copy is a minute old, then accepts it', async () => {
    expect((await signIn()).res.status).toBe(302); // JWKS fetched and cached
    const rotated = await h.emulator.hostile.rotatedPublicJwk();
    h.emulator.hostile.set({
      jwks: (real) => ({ json: { keys: [...(real['keys'] as unknown[]), rotated] } }),
      token: h.emulator.hostile.forgeIdToken((c) => c, { key: 'rotated' }),
    });
    offsetMs = 61_000;
    const { res, browser, before } = await signIn();
    expect(res.status).toBe(302);
    expect(hitsSince(h, before)[paths(h).jwks]).toBe(1);
    expect((await browser.request(`${h.baseUrl}/api/me`)).status).toBe(200);

    // The next token with that kid is served from the refreshed cache.
    const next = await signIn();
    expect(next.res.status).toBe(302);
    expect(hitsSince(h, next.before)[paths(h).jwks]).toBeUndefined();
  });

  it('does not fetch the JWKS for each token in a flood of random kids (one fetch a minute at most)', async () => {
    expect((await signIn()).res.status).toBe(302);
    offsetMs = 61_000;
    const before = hitsOf(h);
    for (let i = 0; i < 12; i++) {
      h.emulator.hostile.set({ token: h.emulator.hostile.forgeIdToken((c) => c, { key: 'rotated', kid: `random-${i}-${Math.random()}` }) });
      const attempt = await signIn();
      await expectRefused(h, attempt.browser, attempt.res, attempt.callback, { reason: 'invalid_token', logsFrom: attempt.logsFrom, hitsBefore: attempt.before });
    }
    expect(hitsSince(h, before)[paths(h).jwks]).toBe(1);
  });

  it('refuses a kid unseen within a minute of the last JWKS fetch without refetching (the cooldown)', async () => {
    expect((await signIn()).res.status).toBe(302);
    const rotated = await h.emulator.hostile.rotatedPublicJwk();
    h.emulator.hostile.set({
      jwks: (real) => ({ json: { keys: [...(real['keys'] as unknown[]), rotated] } }),
      token: h.emulator.hostile.forgeIdToken((c) => c, { key: 'rotated' }),
    });
    const attempt = await signIn();
    await expectRefused(h, attempt.browser, attempt.res, attempt.callback, { reason: 'invalid_token', logsFrom: attempt.logsFrom, hitsBefore: attempt.before });
    expect(hitsSince(h, attempt.before)[paths(h).jwks]).toBeUndefined();
  });

  it('refuses a token without kid when the JWKS holds several keys', async () => {
    const rotated = await h.emulator.hostile.rotatedPublicJwk();
    h.emulator.hostile.set({
      jwks: (real) => ({ json: { keys: [...(real['keys'] as unknown[]), rotated] } }),
      token: h.emulator.hostile.forgeIdToken((c) => c, { kid: null }),
    });
    const attempt = await signIn();
    await expectRefused(h, attempt.browser, attempt.res, attempt.callback, { reason: 'invalid_token', logsFrom: attempt.logsFrom, hitsBefore: attempt.before });
  });

  it('refuses every sign-in while the JWKS endpoint is down or serves garbage, and recovers after', async () => {
    for (const fault of [
      () => ({ status: 500, body: 'down', contentType: 'text/plain' }),
      () => ({ json: { keys: 'not-a-list' } }),
      () => ({ status: 200, body: '{"keys": [', contentType: 'application/json' }),
    ] as const) {
      h.emulator.hostile.set({ jwks: fault });
      const attempt = await signIn();
      await expectRefused(h, attempt.browser, attempt.res, attempt.callback, { logsFrom: attempt.logsFrom, hitsBefore: attempt.before });
    }
    // At once: a bad JWKS answer is not replayed to the next sign-in (see shareConcurrentJwksFetches).
    h.emulator.hostile.reset();
    expect((await signIn()).res.status).toBe(302);
  });
});
