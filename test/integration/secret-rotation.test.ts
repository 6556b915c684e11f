import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET, type Emulator } from '../../src/dev/emulator.js';
import { Browser } from '../support/browser.js';
import { TEST_SESSION_SECRET } from '../support/harness.js';
import { freePort, redisClient, replicaEnv, SHARED_REDIS_URL, startEmulatorFor, startReplica, uniquePrefix, type Replica } from '../support/ops.js';

// Rotations as docs/entra.md "Entra set-up in depth" describes them, with sessions in the shared Redis: each step
// restarts the app (a fresh replica on the same public origin) with the new configuration, as a deploy does.
const SECRET_A = EMULATOR_CLIENT_SECRET;
const SECRET_B = 'Nq8~second.secret-value_for-the-rotation-0123';
const NEW_SESSION_SECRET = 'the-new-session-secret-of-the-rotation-0123456789';

let emulator: Emulator;
let port: number;
let baseUrl: string;
let replica: Replica | undefined;
const prefix = uniquePrefix();
const json = { accept: 'application/json' };

beforeAll(async () => {
  port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  emulator = await startEmulatorFor([baseUrl]);
});
afterAll(async () => {
  await replica?.close();
  await emulator?.close();
  const redis = await redisClient(SHARED_REDIS_URL);
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}*` })) if (keys.length) await redis.del(keys);
  redis.destroy();
});

/** Stops the running replica and starts the next one on the same origin with this configuration. */
async function restartWith(env: Record<string, string>): Promise<Replica> {
  await replica?.close();
  replica = await startReplica(
    replicaEnv(emulator, baseUrl, { SESSION_STORE: 'redis', REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: prefix, ...env }),
    { port },
  );
  return replica;
}

const meStatus = async (browser: Browser) => (await browser.request(`${baseUrl}/api/me`, { headers: json })).status;

describe('client secret rotation without downtime (SESSION_STORE=redis)', () => {
  it('keeps sessions across the switch to a second secret, signs in with it, and refuses the deleted one with AADSTS7000215', async () => {
    const secrets = emulator.clientSecrets.get(EMULATOR_CLIENT_ID)!;
    await restartWith({ ENTRA_CLIENT_SECRET: SECRET_A });
    const before = new Browser();
    expect((await before.signIn(`${baseUrl}/auth/login`)).res.status).toBe(200);

    // 1. Entra: add a second secret (both valid). 2. Restart the app with it.
    secrets.add(SECRET_B);
    await restartWith({ ENTRA_CLIENT_SECRET: SECRET_B });
    expect(await meStatus(before)).toBe(200);
    const after = new Browser();
    expect((await after.signIn(`${baseUrl}/auth/login`)).res.status).toBe(200);
    expect(await meStatus(after)).toBe(200);

    // 3. Entra: delete the old secret. The app on B is unaffected; an app still on A can no longer sign anyone in.
    secrets.delete(SECRET_A);
    expect((await new Browser().signIn(`${baseUrl}/auth/login`)).res.status).toBe(200);
    const stale = await restartWith({ ENTRA_CLIENT_SECRET: SECRET_A });
    const { res } = await new Browser().signIn(`${baseUrl}/auth/login`);
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('AADSTS7000215');
    expect(page).not.toContain(SECRET_A);
    expect(stale.logs.filter((l) => l['event'] === 'signin.failure')).toMatchObject([{ aadsts: '7000215', error: 'invalid_client' }]);
    // Sessions made before the secret was deleted still work: the secret is only used at sign-in.
    expect(await meStatus(before)).toBe(200);
    secrets.add(SECRET_A);
  });
});

describe('SESSION_SECRET rotation (a comma list, newest first)', () => {
  it('accepts cookies signed with the old secret while it is listed, signs new ones with the newest, and refuses old ones once it is dropped', async () => {
    await restartWith({ SESSION_SECRET: TEST_SESSION_SECRET });
    const old = new Browser();
    await old.signIn(`${baseUrl}/auth/login`);
    const oldCookie = old.cookie(baseUrl, 'mha.sid')!;

    await restartWith({ SESSION_SECRET: `${NEW_SESSION_SECRET},${TEST_SESSION_SECRET}` });
    expect(await meStatus(old)).toBe(200);
    const fresh = new Browser();
    await fresh.signIn(`${baseUrl}/auth/login`);
    const freshCookie = fresh.cookie(baseUrl, 'mha.sid')!;

    expect(freshCookie).not.toBe(oldCookie);

    // Cookies are not re-signed on use: the old secret leaves the list only after the absolute session
    // lifetime, when no cookie signed with it can be alive. Dropped early, its sessions end.
    await restartWith({ SESSION_SECRET: NEW_SESSION_SECRET });
    expect(await meStatus(fresh)).toBe(200);
    expect(await meStatus(old)).toBe(401);
  });
});
