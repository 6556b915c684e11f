import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

/** Counts session writes the app makes from now on, without changing what the store does. */
function countStoreWrites(): { readonly count: number } {
  const store = h.backend.store;
  const set = store.set.bind(store);
  const counter = { count: 0 };
  store.set = (sid, data, cb) => {
    counter.count++;
    set(sid, data, cb);
  };
  return counter;
}

describe('what a gated request costs', () => {
  it('serves gated pages and API calls without a session write, Set-Cookie or ETag', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    const writes = countStoreWrites();
    for (let i = 0; i < 3; i++) {
      for (const path of ['/api/me', '/mha/']) {
        const res = await browser.request(`${h.baseUrl}${path}`);
        await res.arrayBuffer();
        expect(res.status).toBe(200);
        expect(res.headers.getSetCookie()).toEqual([]);
        expect(res.headers.get('etag')).toBeNull();
        expect(res.headers.get('cache-control')).toBe('no-store');
      }
    }
    expect(writes.count).toBe(0);
  });

  it('writes the idle clock back once per touch interval, not per request', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    const writes = countStoreWrites();
    h.advance(h.config.session.touchIntervalMs + 1000);
    for (let i = 0; i < 4; i++) {
      const res = await browser.request(`${h.baseUrl}/api/me`);
      await res.arrayBuffer();
      expect(res.status).toBe(200);
    }
    expect(writes.count).toBe(1);
  });

  it('fetches discovery once and the signing keys once for concurrent sign-ins', async () => {
    const jwksPath = `/${h.emulator.tenantId}/discovery/v2.0/keys`;
    const discoveryPath = `/${h.emulator.tenantId}/v2.0/.well-known/openid-configuration`;
    await Promise.all(Array.from({ length: 6 }, () => new Browser().signIn(`${h.baseUrl}/auth/login`)));
    expect(h.emulator.hits.get(`/${h.emulator.tenantId}/oauth2/v2.0/token`)).toBe(6);
    expect(h.emulator.hits.get(discoveryPath)).toBe(1);
    expect(h.emulator.hits.get(jwksPath)).toBe(1);
  });
});
