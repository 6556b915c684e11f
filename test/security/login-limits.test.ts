/**
 * Issue 14 item 10: sign-in limits work per client, not per full address. An IPv6 client is its /64 (or the
 * configured prefix), and pending sign-ins are capped per client as well as in total, in memory and in Redis:
 * one client's flood only ever drops that client's own pending sign-ins.
 */
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryTransactionStore, type LoginTransaction, type PendingLimits, type TransactionStore } from '../../src/auth/login-transactions.js';
import { createRedisTransactionStore } from '../../src/auth/redis-login-transactions.js';
import { createLogger } from '../../src/logger.js';
import { createRedisConnection, type RedisConnection } from '../../src/redis/connection.js';
import { Browser } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';
import { freePort, redisClient, replicaEnv, SHARED_REDIS_URL, startEmulatorFor, startReplica, uniquePrefix, type Replica } from '../support/ops.js';
import type { Emulator } from '../../src/dev/emulator.js';

const quiet = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));
const TTL = 10 * 60_000;
const prefixes: string[] = [];
let connection: RedisConnection;
let redis: Awaited<ReturnType<typeof redisClient>>;

beforeAll(async () => {
  connection = createRedisConnection({ mode: 'standalone', url: SHARED_REDIS_URL }, SHARED_REDIS_URL, quiet);
  await connection.whenReady();
  redis = await redisClient(SHARED_REDIS_URL);
});
afterAll(async () => {
  for (const prefix of prefixes) for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) if (keys.length) await redis.del(keys);
  redis?.destroy();
  await connection?.close();
});

function tx(client: string, n: number): LoginTransaction {
  return { code_verifier: `v${n}`, nonce: `n${n}`, returnTo: '/mha/', binding: `b${n}`, createdAt: n, client };
}

async function keysUnder(prefix: string, pattern: string): Promise<number> {
  let n = 0;
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}${pattern}`, COUNT: 1000 })) n += keys.length;
  return n;
}

type Kind = 'memory' | 'redis';
interface StoreUnderTest {
  readonly store: TransactionStore;
  /** Transactions held right now. */
  pending(): Promise<number>;
}

function storeOf(kind: Kind, limits: PendingLimits = {}): StoreUnderTest {
  if (kind === 'memory') {
    const store = createMemoryTransactionStore(limits);
    return { store, pending: async () => store.size };
  }
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  return { store: createRedisTransactionStore(connection, prefix, limits), pending: () => keysUnder(prefix, 'tx:*') };
}

/** `count` puts from one client, a few hundred at a time (Redis pipelines each batch). */
async function flood(store: TransactionStore, client: string, count: number, tag = client): Promise<void> {
  for (let i = 0; i < count; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, count - i) }, (_, j) => store.put(`${tag}-${i + j}`, tx(client, i + j), TTL)));
  }
}

describe.each(['memory', 'redis'] as const)('issue 14 item 10: pending sign-ins in the %s store', (kind) => {
  it(`issue 14 item 10: 10,000 logins started by one client evict no other client's pending sign-in (${kind})`, async () => {
    const { store, pending } = storeOf(kind);
    await store.put('victim', tx('198.51.100.7', 1), TTL);
    await store.put('neighbour', tx('2001:db8:1:3:0:0:0:0/64', 2), TTL);
    await flood(store, '2001:db8:1:2:0:0:0:0/64', 10_000);
    // The flooding client keeps only its newest (default cap 100); everyone else keeps theirs.
    expect(await pending()).toBe(102);
    expect(await store.take('victim')).toMatchObject({ client: '198.51.100.7', nonce: 'n1' });
    expect(await store.take('neighbour')).toMatchObject({ client: '2001:db8:1:3:0:0:0:0/64' });
    expect(await store.take('2001:db8:1:2:0:0:0:0/64-9999')).toBeDefined();
    expect(await store.take('2001:db8:1:2:0:0:0:0/64-0')).toBeUndefined();
  }, 60_000);

  it(`issue 14 item 10: the total is capped too, oldest first (${kind})`, async () => {
    const { store, pending } = storeOf(kind, { maxPerClient: 10, maxEntries: 50 });
    for (let c = 0; c < 20; c++) await flood(store, `203.0.113.${c}`, 10);
    expect(await pending()).toBe(50);
    // The newest five clients' sign-ins are all there; the first client's are gone.
    for (let c = 15; c < 20; c++) for (let i = 0; i < 10; i++) expect(await store.take(`203.0.113.${c}-${i}`)).toBeDefined();
    expect(await store.take('203.0.113.0-9')).toBeUndefined();
  }, 60_000);

  it(`issue 14 item 10: a finished sign-in no longer counts against its client (${kind})`, async () => {
    const { store } = storeOf(kind, { maxPerClient: 3 });
    await flood(store, '198.51.100.9', 3, 'first');
    for (let i = 0; i < 3; i++) expect(await store.take(`first-${i}`)).toBeDefined();
    await flood(store, '198.51.100.9', 3, 'second');
    for (let i = 0; i < 3; i++) expect(await store.take(`second-${i}`)).toBeDefined();
  });
});

describe('issue 14 item 10: the Redis store has a cap', () => {
  it('issue 14 item 10: keeps at most LOGIN_PENDING_MAX transactions, and its index expires with them', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const store = createRedisTransactionStore(connection, prefix, { maxEntries: 200, maxPerClient: 100 });
    for (let c = 0; c < 10; c++) await flood(store, `192.0.2.${c}`, 100);
    expect(await keysUnder(prefix, 'tx:*')).toBe(200);
    expect(await redis.zCard(`${prefix}txall`)).toBe(200);
    const ttl = await redis.pTTL(`${prefix}txall`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(TTL);
  }, 60_000);
});

// Through the whole app: the rate limit and the caps key clients the same way, behind one trusted proxy.
const random64 = (prefix: string) => `${prefix}:${Array.from({ length: 4 }, () => Math.floor(Math.random() * 0x10000).toString(16)).join(':')}`;

let emulator: Emulator | undefined;
const replicas: Replica[] = [];
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  await Promise.all(replicas.splice(0).map((r) => r.close()));
  await emulator?.close();
  emulator = undefined;
});

/** An app with the memory store (the harness) or the Redis store (start(), as production composes it). */
async function appWith(kind: Kind, env: Record<string, string>): Promise<string> {
  const common = { TRUST_PROXY: '1', ...env };
  if (kind === 'memory') {
    h = await startHarness({ env: common });
    return h.baseUrl;
  }
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  emulator = await startEmulatorFor([baseUrl]);
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  const r = await startReplica(replicaEnv(emulator, baseUrl, { ...common, SESSION_STORE: 'redis', REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: prefix }), { port });
  replicas.push(r);
  return r.url;
}

const login = (base: string, forwardedFor: string) => fetch(`${base}/auth/login`, { redirect: 'manual', headers: { 'x-forwarded-for': forwardedFor } });

describe.each(['memory', 'redis'] as const)('issue 14 item 10: sign-in limits per client through the app (%s)', (kind) => {
  it(`issue 14 item 10: a client rotating through its IPv6 /64 is rate-limited; its neighbour /64 is not (${kind})`, async () => {
    const base = await appWith(kind, { RATE_LIMIT_AUTH_MAX: '5' });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await login(base, random64('2001:db8:1:2'))).status);
    expect(statuses).toEqual([302, 302, 302, 302, 302, 429, 429]);
    expect((await login(base, random64('2001:db8:1:3'))).status).toBe(302);
    // The same /64 written as an IPv4-mapped or compressed address is still the same client.
    expect((await login(base, '2001:db8:1:2::1')).status).toBe(429);
  });

  it(`issue 14 item 10: RATE_LIMIT_IPV6_PREFIX=48 counts a whole /48 as one client (${kind})`, async () => {
    const base = await appWith(kind, { RATE_LIMIT_AUTH_MAX: '2', RATE_LIMIT_IPV6_PREFIX: '48' });
    const statuses: number[] = [];
    for (const sub of ['1', '2', '3']) statuses.push((await login(base, random64(`2001:db8:5:${sub}`))).status);
    expect(statuses).toEqual([302, 302, 429]);
  });

  it(`issue 14 item 10: one client's flood of started logins does not evict another client's pending sign-in (${kind})`, async () => {
    const base = await appWith(kind, { RATE_LIMIT_AUTH_MAX: '0', LOGIN_PENDING_PER_CLIENT: '20', LOGIN_PENDING_MAX: '200' });
    const victim = new Browser({ 'x-forwarded-for': '198.51.100.7' });
    const started = await victim.request(`${base}/auth/login?returnTo=/mha/`);
    expect(started.status).toBe(302);
    // 1,000 logins from one client rotating through its /64: more than the total cap five times over.
    for (let batch = 0; batch < 20; batch++) {
      const statuses = await Promise.all(Array.from({ length: 50 }, () => login(base, random64('2001:db8:66:1')).then((r) => r.status)));
      expect(new Set(statuses)).toEqual(new Set([302]));
    }
    // The victim finishes signing in at Entra and comes back to a session.
    const done = await victim.signIn(started.headers.get('location')!);
    expect(done.url).toBe(`${base}/mha/`);
    expect(done.res.status).toBe(200);
  }, 60_000);
});
