/**
 * The session store down or hung (issue 7, availability): a signed-in user gets a 503 "try again", never
 * anonymous access, never a "signed out" answer (401, a redirect to sign-in, a cookie that replaces or
 * clears theirs), never a request that waits forever; and the same cookie works again once Redis is back,
 * without restarting the app. test/integration/redis-outage.test.ts covers the dead Redis with one user;
 * this file adds the cookie guarantees and the hung Redis (SIGSTOP: the socket stays open, nothing answers).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.js';
import { startAppOnOwnRedis, waitFor, type AppOnOwnRedis, type OwnRedis, type Replica } from '../support/ops.js';

// The app's Redis command timeout in this file. Every bound below is derived from it.
const COMMAND_TIMEOUT_MS = 1_000;
// A gated request makes one Redis round trip (the session GET); scheduling on a busy machine gets as much again.
const ANSWER_BOUND_MS = 2 * COMMAND_TIMEOUT_MS;
// The test gives up (and fails) here rather than waiting for vitest: "hung" must be a failure, not a timeout.
const GIVE_UP_MS = 5 * COMMAND_TIMEOUT_MS;

let setup: AppOnOwnRedis;
let redis: OwnRedis;
let app: Replica;
let baseUrl: string;

beforeAll(async () => {
  setup = await startAppOnOwnRedis({ retryInitialMs: 50, retryMaxMs: 300, commandTimeoutMs: COMMAND_TIMEOUT_MS, connectTimeoutMs: COMMAND_TIMEOUT_MS });
  ({ redis, app, baseUrl } = setup);
});

afterEach(async () => {
  // Whatever a test left behind, the next one starts with a running, answering Redis.
  redis.resume();
  await redis.start();
  await waitFor('readiness', async () => (await fetch(`${baseUrl}/readyz`)).status === 200);
});

afterAll(async () => {
  await setup?.close();
});

const COOKIE = 'mha.sid';

interface Answer {
  readonly status: number;
  readonly tookMs: number;
  readonly contentType: string;
  readonly location: string | null;
  readonly setCookie: string[];
  readonly retryAfter: string | null;
  readonly body: string;
}

/** One request carrying `browser`'s cookies, timed, that fails the test instead of waiting forever. */
async function ask(browser: Browser | undefined, path: string, accept = 'text/html'): Promise<Answer> {
  const cookie = browser?.cookie(baseUrl, COOKIE);
  const started = Date.now();
  const res = await fetch(`${baseUrl}${path}`, {
    redirect: 'manual',
    headers: { accept, ...(cookie ? { cookie: `${COOKIE}=${cookie}` } : {}) },
    signal: AbortSignal.timeout(GIVE_UP_MS),
  }).catch((err: unknown) => {
    throw new Error(`${path} got no answer within ${GIVE_UP_MS} ms (the app hangs on Redis): ${String(err)}`);
  });
  const body = await res.text();
  return {
    status: res.status,
    tookMs: Date.now() - started,
    contentType: res.headers.get('content-type') ?? '',
    location: res.headers.get('location'),
    setCookie: res.headers.getSetCookie(),
    retryAfter: res.headers.get('retry-after'),
    body,
  };
}

async function signedIn(user = 'B.Simon'): Promise<Browser> {
  const browser = new Browser();
  await browser.signIn(`${baseUrl}/auth/login`, user);
  expect((await ask(browser, '/api/me', 'application/json')).status).toBe(200);
  return browser;
}

/** What "the store is unavailable, you are still signed in" looks like on a page and on the API. */
function expectStillSignedInButUnavailable(page: Answer, api: Answer): void {
  // A page: 503 with the friendly text, no redirect to sign-in, no stack.
  expect(page.status).toBe(503);
  expect(page.location).toBeNull();
  expect(page.contentType).toMatch(/text\/html/);
  expect(page.retryAfter).toBeTruthy();
  expect(page.body).toContain('briefly unavailable');
  expect(page.body).toContain('You are still signed in');
  expect(page.body).not.toMatch(/\n\s+at .+:\d+:\d+/);
  // The API: 503 JSON, not 401.
  expect(api.status).toBe(503);
  expect(api.contentType).toMatch(/application\/json/);
  expect(JSON.parse(api.body)).toMatchObject({ error: 'store_unavailable' });
  // Neither touches the session cookie: no new (anonymous) session, no clearing.
  for (const answer of [page, api]) expect(answer.setCookie.filter((c) => c.startsWith(`${COOKIE}=`))).toEqual([]);
}

describe('Redis stopped (killed)', () => {
  it('answers 503 to a signed-in cookie on every gated route, never as if signed out, and the same cookie works after', async () => {
    const browser = await signedIn();
    const cookieBefore = browser.cookie(baseUrl, COOKIE);

    await redis.stop();

    for (const path of ['/mha/', '/mha/profile', '/mha/admin']) {
      expectStillSignedInButUnavailable(await ask(browser, path), await ask(browser, '/api/me', 'application/json'));
    }
    expect((await ask(undefined, '/readyz', 'application/json')).status).toBe(503);
    expect((await ask(undefined, '/healthz')).status).toBe(200);

    await redis.start();
    await waitFor('readiness after Redis returns', async () => (await fetch(`${baseUrl}/readyz`)).status === 200);
    expect(browser.cookie(baseUrl, COOKIE)).toBe(cookieBefore);
    const back = await ask(browser, '/api/me', 'application/json');
    expect(back.status).toBe(200);
    expect(JSON.parse(back.body)).toMatchObject({ name: 'B.Simon' });
  });
});

describe('Redis hung (SIGSTOP: connected, never answering)', () => {
  it('answers 503 within the Redis command timeout, keeps /healthz at 200, and recovers on SIGCONT without a restart', async () => {
    const simon = await signedIn('B.Simon');
    const admin = await signedIn('A.Admin');

    redis.pause();

    // Both users ask at once: each answer is bounded by the command timeout, not by Redis coming back.
    // The landing page goes through express-session itself (the gated paths read the session on their own
    // path): a session it failed to load must not be DELeted when Redis resumes (unset: 'keep').
    const [page, api, adminApi, landing, ready] = await Promise.all([
      ask(simon, '/mha/'),
      ask(simon, '/api/me', 'application/json'),
      ask(admin, '/api/me', 'application/json'),
      ask(admin, '/'),
      ask(undefined, '/readyz', 'application/json'),
    ]);
    expectStillSignedInButUnavailable(page, api);
    expect(adminApi.status).toBe(503);
    expect(landing.status).toBe(503);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ checks: { sessionStore: expect.stringMatching(/^unreachable/) } });
    for (const answer of [page, api, adminApi, landing, ready]) expect(answer.tookMs).toBeLessThan(ANSWER_BOUND_MS);
    // The operator is told once, in words that say what is wrong.
    expect(app.logs.filter((l) => l['component'] === 'redis' && String(l['msg']).startsWith('redis is connected but not answering'))).toHaveLength(1);

    // Liveness does no I/O: it answers at once while Redis hangs (a restart would not help, so it must not fail).
    const live = await ask(undefined, '/healthz');
    expect(live.status).toBe(200);
    expect(live.tookMs).toBeLessThan(COMMAND_TIMEOUT_MS);

    // Still hung: a later request is bounded too (nothing piles up behind the first ones).
    const later = await ask(simon, '/api/me', 'application/json');
    expect(later.status).toBe(503);
    expect(later.tookMs).toBeLessThan(ANSWER_BOUND_MS);

    redis.resume();

    // Redis now answers the commands the app gave up on. Those late replies must go to nobody: each user
    // still gets exactly their own session, through the same connection, with no app restart.
    await waitFor('readiness after SIGCONT', async () => (await fetch(`${baseUrl}/readyz`)).status === 200);
    for (let i = 0; i < 3; i++) {
      const mine = await ask(admin, '/api/me', 'application/json');
      const theirs = await ask(simon, '/api/me', 'application/json');
      expect([mine.status, theirs.status]).toEqual([200, 200]);
      expect(JSON.parse(mine.body)).toMatchObject({ name: 'A.Admin' });
      expect(JSON.parse(theirs.body)).toMatchObject({ name: 'B.Simon' });
    }
    expect((await ask(simon, '/mha/')).status).toBe(200);
    expect(app.logs.some((l) => l['component'] === 'redis' && l['msg'] === 'redis answers again')).toBe(true);
  });
});
