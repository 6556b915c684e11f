import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.js';
import { freePort, replicaEnv, startAppOnOwnRedis, startReplica, uniquePrefix, waitFor, type AppOnOwnRedis, type OwnRedis, type Replica } from '../support/ops.js';

// A redis-server of this test's own (on a spare port), so it can be stopped and restarted, and its
// command statistics count exactly what the app sends.
let setup: AppOnOwnRedis;
let redis: OwnRedis;
let app: Replica;
let baseUrl: string;

beforeAll(async () => {
  setup = await startAppOnOwnRedis();
  ({ redis, app, baseUrl } = setup);
});

afterAll(async () => {
  await setup?.close();
});

const json = { accept: 'application/json' };

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe('cost of the gate with Redis', () => {
  it('spends one Redis command (a GET) per signed-in request and writes no session or cookie', async () => {
    const browser = new Browser();
    await browser.signIn(`${baseUrl}/auth/login`);
    // The session was just saved: the idle clock needs no refresh for a few minutes.
    await redis.resetStats();
    const n = 20;
    for (let i = 0; i < n; i++) {
      const res = await browser.request(`${baseUrl}/api/me`, { headers: json });
      expect(res.status).toBe(200);
      expect(res.headers.getSetCookie()).toEqual([]);
      await res.arrayBuffer();
    }
    const page = await browser.request(`${baseUrl}/mha/`);
    expect(page.status).toBe(200);
    expect(page.headers.getSetCookie()).toEqual([]);
    const stats = await redis.commandStats();
    // Left out: the test's own admin connection (hello, config, info) and node-redis's idle ping.
    const perRequest = Object.fromEntries(Object.entries(stats).filter(([cmd]) => !/^(hello|config|info|ping|client)/.test(cmd)));
    expect(perRequest).toEqual({ get: n + 1 });
  });
});

describe('Redis outage', () => {
  it('answers 503 (page and JSON) while Redis is down, never "signed out", and recovers by itself', async () => {
    const browser = new Browser();
    await browser.signIn(`${baseUrl}/auth/login`);
    expect((await fetch(`${baseUrl}/readyz`)).status).toBe(200);
    const errorsBefore = await metric('session_store_errors_total');

    await redis.stop();

    const page = await browser.request(`${baseUrl}/mha/profile`);
    expect(page.status).toBe(503);
    expect(page.headers.get('location')).toBeNull();
    expect(page.headers.get('retry-after')).toBeTruthy();
    const html = await page.text();
    expect(html).toContain('briefly unavailable');
    expect(html).toContain('You are still signed in');
    expect(html).not.toMatch(/at .*\.js:\d+/);

    const api = await browser.request(`${baseUrl}/api/me`, { headers: json });
    expect(api.status).toBe(503);
    expect(await api.json()).toMatchObject({ error: 'store_unavailable' });

    // A new sign-in cannot start either (its transaction goes to Redis): 503, not a crash.
    expect((await fetch(`${baseUrl}/auth/login`, { redirect: 'manual' })).status).toBe(503);

    const ready = await fetch(`${baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    // The body docs/production.md "Health probes" shows.
    const readiness = (await ready.json()) as { status: string; checks: Record<string, string> };
    expect(readiness.status).toBe('not ready');
    expect(readiness.checks['discovery']).toBe('ok');
    expect(readiness.checks['sessionStore']).toMatch(/^unreachable: /);
    expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
    expect(await metric('session_store_errors_total')).toBeGreaterThan(errorsBefore);

    await redis.start();
    await waitFor('readiness after Redis returns', async () => (await fetch(`${baseUrl}/readyz`)).status === 200);
    // The same session, from the same app process: nothing was restarted but Redis.
    const back = await browser.request(`${baseUrl}/api/me`, { headers: json });
    expect(back.status).toBe(200);
    expect(app.logs.some((l) => l['component'] === 'redis' && l['msg'] === 'redis unavailable; reconnecting with backoff')).toBe(true);
  });

  it('starts with Redis down, reports not ready, then becomes ready when Redis comes up', async () => {
    await redis.stop();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const late = await startReplica(replicaEnv(setup.emulator, baseUrl, { SESSION_STORE: 'redis', REDIS_URL: redis.url, REDIS_KEY_PREFIX: uniquePrefix() }), {
      port,
      waitReady: false,
    });
    try {
      await waitFor('discovery', async () => ((await (await fetch(`${url}/readyz`)).json()) as { checks: Record<string, string> }).checks['discovery'] === 'ok');
      const res = await fetch(`${url}/readyz`);
      expect(res.status).toBe(503);
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      await redis.start();
      await waitFor('readiness', async () => (await fetch(`${url}/readyz`)).status === 200);
    } finally {
      await late.close();
    }
  });
});
