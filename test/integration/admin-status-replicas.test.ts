import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/dev/emulator.js';
import { Browser } from '../support/browser.js';
import { freePort, redisClient, replicaEnv, SHARED_REDIS_URL, startEmulatorFor, startReplica, uniquePrefix, type Replica } from '../support/ops.js';

// Two replicas behind one public origin (A listens on it, B on its own port), sharing the machine's Redis
// under this run's prefix: the admin status page of either one lists the sign-in failures of both.
let emulator: Emulator;
let a: Replica;
let b: Replica;
let baseUrl: string;
const prefix = uniquePrefix();
let redis: Awaited<ReturnType<typeof redisClient>>;

beforeAll(async () => {
  const portA = await freePort();
  baseUrl = `http://127.0.0.1:${portA}`;
  emulator = await startEmulatorFor([baseUrl]);
  const env = replicaEnv(emulator, baseUrl, { SESSION_STORE: 'redis', REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: prefix });
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
    expect(page).toMatch(/<code>AADSTS50105<\/code><\/th><td>1<\/td>/);

    // One capped list with a TTL; no name, e-mail, cookie or token in it.
    const key = `${prefix}signin:failures`;
    expect(await redis.pTTL(key)).toBeGreaterThan(6 * 24 * 60 * 60_000);
    const stored = await redis.lRange(key, 0, -1);
    expect(stored).toHaveLength(1);
    expect(Object.keys(JSON.parse(stored[0]!) as object).sort()).toEqual(['aadsts', 'at', 'correlationId', 'error', 'reason', 'requestId', 'status', 'traceId']);
    expect(stored[0]).not.toMatch(/Unassigned|contoso|eyJ/);
  });
});
