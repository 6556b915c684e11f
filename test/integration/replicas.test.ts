import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, csrfTokenFrom } from '../support/browser.js';
import type { Emulator } from '../../src/dev/emulator.js';
import { freePort, redisClient, replicaEnv, SHARED_REDIS_URL, sessionIdOf, startEmulatorFor, startReplica, uniquePrefix, type Replica } from '../support/ops.js';

// Two replicas behind one public origin, sharing the machine's Redis (REDIS_URL overrides) under a
// prefix of this run's own. A browser's cookies are per host, not port, so it carries its session
// from one replica's port to the other's exactly as a load balancer would spread its requests.
let emulator: Emulator;
let a: Replica;
let b: Replica;
let portA: number;
let baseUrl: string;
let env: Record<string, string>;
const prefix = uniquePrefix();
let redis: Awaited<ReturnType<typeof redisClient>>;

beforeAll(async () => {
  portA = await freePort();
  baseUrl = `http://127.0.0.1:${portA}`;
  emulator = await startEmulatorFor([baseUrl]);
  env = replicaEnv(emulator, baseUrl, { SESSION_STORE: 'redis', REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: prefix }) as Record<string, string>;
  a = await startReplica(env, { port: portA });
  b = await startReplica(env);
  redis = await redisClient(SHARED_REDIS_URL);
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await emulator?.close();
  if (redis) {
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) if (keys.length) await redis.del(keys);
    redis.destroy();
  }
});

const onB = (url: string) => url.replace(baseUrl, b.url);
const json = { accept: 'application/json' };

// First, on fresh replicas: replica A's logs then hold exactly the failure this test causes.
describe('/mha/admin/status with SESSION_STORE=redis', () => {
  it('shows on replica B a sign-in failure that happened on replica A, and keeps only codes, times and ids', async () => {
    // The callback reaches A (the public origin): Entra refused the unassigned user (AADSTS50105).
    const { res } = await new Browser().signIn(`${baseUrl}/auth/login`, 'U.Unassigned');
    expect(res.status).toBe(403);
    expect(a.logs.filter((l) => l['event'] === 'signin.failure')).toMatchObject([{ aadsts: '50105' }]);

    const admin = new Browser();
    await admin.signIn(`${baseUrl}/auth/login`, 'A.Admin');
    const json = await admin.request(`${b.url}/mha/admin/status`, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(200);
    const body = (await json.json()) as { failures: Array<{ code: string; count: number; last: Record<string, unknown> }>; checks: Array<{ id: string; status: string; message: string }> };
    expect(body.failures).toEqual([expect.objectContaining({ code: 'AADSTS50105', count: 1, meaning: 'The user is not assigned to the app' })]);
    expect(body.failures[0]!.last).toMatchObject({ reason: 'entra_error', aadsts: '50105', status: 403, traceId: expect.any(String), correlationId: expect.any(String), requestId: expect.any(String) });
    // The store the page checks live is the same Redis.
    expect(body.checks.find((c) => c.id === 'session_store')).toMatchObject({ status: 'ok', message: expect.stringMatching(/answered PING \(Redis \d+\.\d+/) });

    const page = await (await admin.request(`${b.url}/mha/admin/status`)).text();
    expect(page).toMatch(/<code>AADSTS50105<\/code><\/th>\s*<td data-label="Count">1<\/td>/);

    // One capped list with a TTL; no name, e-mail, cookie or token in it.
    const key = `${prefix}signin:failures`;
    expect(await redis.pTTL(key)).toBeGreaterThan(6 * 24 * 60 * 60_000);
    const stored = await redis.lRange(key, 0, -1);
    expect(stored).toHaveLength(1);
    expect(Object.keys(JSON.parse(stored[0]!) as object).sort()).toEqual(['aadsts', 'at', 'correlationId', 'error', 'reason', 'requestId', 'status', 'traceId']);
    expect(stored[0]).not.toMatch(/Unassigned|contoso|eyJ/);
  });
});

describe('sessions shared through Redis across replicas', () => {
  it('signs in on one replica and uses the session on the other', async () => {
    const browser = new Browser();
    await browser.signIn(`${baseUrl}/auth/login`);
    const me = await browser.request(`${b.url}/api/me`, { headers: json });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ name: 'B.Simon' });
  });

  it('completes on replica B a sign-in that started on replica A (shared login transactions)', async () => {
    const browser = new Browser();
    const login = await browser.request(`${baseUrl}/auth/login?returnTo=%2Fmha%2Fprofile`);
    const state = new URL(login.headers.get('location')!).searchParams.get('state')!;
    expect(await redis.pTTL(`${prefix}tx:${state}`)).toBeGreaterThan(9 * 60_000);

    const callbackUrl = await browser.untilCallback(login.headers.get('location')!, `${baseUrl}/auth/callback`);
    // The load balancer sends the callback to the other replica.
    const callback = await browser.request(onB(callbackUrl));
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/mha/profile');
    expect(await redis.exists(`${prefix}tx:${state}`)).toBe(0);
    expect((await browser.request(`${baseUrl}/api/me`, { headers: json })).status).toBe(200);
  });

  it('keeps sessions in Redis under the prefix with a TTL no longer than the idle timeout', async () => {
    const browser = new Browser();
    await browser.signIn(`${baseUrl}/auth/login`);
    const id = sessionIdOf(browser.cookie(baseUrl, 'mha.sid')!);
    const ttl = await redis.pTTL(`${prefix}sess:${id}`);
    expect(ttl).toBeGreaterThan(8 * 60 * 60_000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(8 * 60 * 60_000);
    const stored = JSON.parse((await redis.get(`${prefix}sess:${id}`))!) as { user: { sid: string } };
    const sidTtl = await redis.pTTL(`${prefix}sid:${stored.user.sid}`);
    expect(sidTtl).toBeGreaterThan(0);
    expect(sidTtl).toBeLessThanOrEqual(24 * 60 * 60_000);
    expect(await redis.zRange(`${prefix}sid:${stored.user.sid}`, 0, -1)).toEqual([id]);
  });

  it('keeps the session when a replica restarts', async () => {
    const browser = new Browser();
    await browser.signIn(`${baseUrl}/auth/login`);
    await a.close();
    a = await startReplica(env, { port: portA });
    const me = await browser.request(`${baseUrl}/api/me`, { headers: json });
    expect(me.status).toBe(200);
  });

  it('sees on replica B a sign-out made on replica A', async () => {
    const browser = new Browser();
    const { res } = await browser.signIn(`${baseUrl}/auth/login`);
    const cookie = browser.cookie(baseUrl, 'mha.sid')!;
    const token = csrfTokenFrom(await res.text());
    const logout = await browser.request(`${baseUrl}/auth/logout`, { method: 'POST', body: `_csrf=${encodeURIComponent(token)}`, headers: { origin: baseUrl } });
    expect(logout.status).toBe(303);
    const replay = await fetch(`${b.url}/api/me`, { headers: { cookie: `mha.sid=${cookie}`, ...json } });
    expect(replay.status).toBe(401);
    expect(await redis.exists(`${prefix}sess:${sessionIdOf(cookie)}`)).toBe(0);
  });

  it('ends on every replica the sessions of an Entra sid when the front-channel logout reaches one of them', async () => {
    const browser = new Browser();
    await browser.signIn(`${baseUrl}/auth/login`);
    const other = new Browser();
    await other.signIn(`${baseUrl}/auth/login`, 'A.Admin');
    const id = sessionIdOf(browser.cookie(baseUrl, 'mha.sid')!);
    const sid = (JSON.parse((await redis.get(`${prefix}sess:${id}`))!) as { user: { sid: string } }).user.sid;

    const res = await fetch(`${b.url}/auth/frontchannel-logout?sid=${encodeURIComponent(sid)}`);
    expect(res.status).toBe(200);
    expect((await browser.request(`${baseUrl}/api/me`, { headers: json })).status).toBe(401);
    expect((await browser.request(`${b.url}/api/me`, { headers: json })).status).toBe(401);
    expect(await redis.exists(`${prefix}sid:${sid}`)).toBe(0);
    expect((await other.request(`${b.url}/api/me`, { headers: json })).status).toBe(200);
  });

  it('issue 14 item 9: the Redis sid index holds only live sessions, at most 32 per Entra session, and ends the ones it drops', async () => {
    const browser = new Browser();
    await browser.signIn(`${baseUrl}/auth/login`);
    const first = sessionIdOf(browser.cookie(baseUrl, 'mha.sid')!);
    const sid = (JSON.parse((await redis.get(`${prefix}sess:${first}`))!) as { user: { sid: string } }).user.sid;
    const indexKey = `${prefix}sid:${sid}`;
    // Signing in again with the session cookie regenerates the session: the old id leaves the index.
    for (let i = 0; i < 3; i++) await browser.signIn(`${b.url}/auth/login`);
    const current = sessionIdOf(browser.cookie(baseUrl, 'mha.sid')!);
    expect(await redis.zRange(indexKey, 0, -1)).toEqual([current]);

    // Without the cookie every sign-in leaves a live session: the index stops at 32 and ends the oldest.
    const ids: string[] = [current];
    const host = new URL(baseUrl).hostname;
    for (let i = 0; i < 33; i++) {
      browser.jar.get(host)!.delete('mha.sid');
      await browser.signIn(`${baseUrl}/auth/login`);
      ids.push(sessionIdOf(browser.cookie(baseUrl, 'mha.sid')!));
    }
    const indexed = await redis.zRange(indexKey, 0, -1);
    expect(indexed).toEqual(ids.slice(-32));
    expect(await redis.exists(`${prefix}sess:${ids[0]}`)).toBe(0);
    expect(await redis.exists(`${prefix}sess:${ids[1]}`)).toBe(0);
    expect(await redis.exists(`${prefix}sess:${ids[2]}`)).toBe(1);

    // Sign-out removes the id at once.
    const page = await (await browser.request(`${baseUrl}/auth/logout`)).text();
    const out = await browser.request(`${baseUrl}/auth/logout`, { method: 'POST', body: `_csrf=${encodeURIComponent(csrfTokenFrom(page))}`, headers: { origin: baseUrl } });
    expect(out.status).toBe(303);
    expect(await redis.zRange(indexKey, 0, -1)).toEqual(ids.slice(-32, -1));
    // The front-channel logout still reaches every one of them.
    expect((await fetch(`${b.url}/auth/frontchannel-logout?sid=${encodeURIComponent(sid)}`)).status).toBe(200);
    for (const id of ids) expect(await redis.exists(`${prefix}sess:${id}`)).toBe(0);
  });

  it('keeps only the documented keys under REDIS_KEY_PREFIX, each with a TTL (docs/production.md "Redis")', async () => {
    const browser = new Browser();
    await browser.signIn(`${baseUrl}/auth/login`);
    // A sign-in left half-way (the user closed the tab at Entra): its transaction must expire by itself.
    expect((await fetch(`${b.url}/auth/login`, { redirect: 'manual' })).status).toBe(302);
    const kinds = new Set<string>();
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) {
      for (const key of keys) {
        // The rate-limit test below runs its replicas under a prefix of its own, inside ours.
        const rest = key.slice(prefix.length).replace(/^rl2:/, '');
        kinds.add(/^(sess|sid|txc|tx|rl:auth):/.exec(rest)?.[1] ?? rest);
        expect(await redis.pTTL(key), `${key} has a TTL`).toBeGreaterThan(0);
      }
    }
    // signin:failures: the admin status page's list, written by the failed sign-in test above.
    // txc and txall: the pending-sign-in indexes per client and in total (issue 14 item 10).
    expect([...kinds].sort()).toEqual(['rl:auth', 'sess', 'sid', 'signin:failures', 'tx', 'txall', 'txc']);
    const tx = await (async () => {
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}tx:*` })) if (keys[0]) return keys[0];
      return undefined;
    })();
    expect(await redis.pTTL(tx!)).toBeLessThanOrEqual(10 * 60_000);
  });

  it('shares the sign-in rate limit between replicas', async () => {
    const limited = await startReplica({ ...env, REDIS_KEY_PREFIX: `${prefix}rl2:`, RATE_LIMIT_AUTH_MAX: '3' });
    const limitedB = await startReplica({ ...env, REDIS_KEY_PREFIX: `${prefix}rl2:`, RATE_LIMIT_AUTH_MAX: '3' });
    try {
      const statuses: number[] = [];
      for (const url of [limited.url, limitedB.url, limited.url, limitedB.url]) {
        statuses.push((await fetch(`${url}/auth/login`, { redirect: 'manual' })).status);
      }
      expect(statuses).toEqual([302, 302, 302, 429]);
    } finally {
      await limited.close();
      await limitedB.close();
    }
  });
});
