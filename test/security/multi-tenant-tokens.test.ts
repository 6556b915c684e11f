/**
 * Hostile id_tokens for a multi-tenant app (ENTRA_TENANT_ID=organizations, ENTRA_ALLOWED_TENANTS): the
 * code exchange is our own (src/auth/template-issuer-grant.ts: Entra's `{tenantid}` issuer template filled
 * with the token's tid), so every check openid-client makes for one tenant is proved again on this path,
 * plus the tenant rules: `iss` must name the token's own `tid`, the `tid` must be allowed, and personal
 * accounts are refused unless their tenant is listed. Each case: a friendly 4xx page, no session, nothing
 * leaked, signin.failure logged, no further provider call (expectRefused).
 * test/integration/multi-tenant.test.ts covers the honest users of other tenants; this file forges.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { EMULATOR_CLIENT_SECRET, EMULATOR_TENANT_ID, FABRIKAM_TENANT_ID, PERSONAL_TENANT_ID } from '../../src/dev/emulator.js';
import type { ForgeOptions, Json, Rule } from '../../src/dev/hostile.js';
import { expectRefused, signInWithTokenRule } from './support.js';

const OTHER_TID = '11111111-2222-4333-8444-555555555555';

let h: Harness;
beforeAll(async () => {
  // Two tenants allowed (the emulator's own, where B.Simon lives, and Fabrikam); personal accounts not.
  h = await startHarness({ env: { ENTRA_TENANT_ID: 'organizations', ENTRA_ALLOWED_TENANTS: `${EMULATOR_TENANT_ID},${FABRIKAM_TENANT_ID}` } });
});
afterAll(async () => {
  await h.close();
});
afterEach(() => {
  h.emulator.hostile.reset();
});

const issuerOf = (tid: string) => `${h.emulator.authorityHost}/${tid}/v2.0`;
const forge = (edit: (c: Json) => Json, options?: ForgeOptions) => h.emulator.hostile.forgeIdToken(edit, options);

const signInWith = (rule: Rule) => signInWithTokenRule(h, rule);

/** Refused as every refusal must be; returns the status, the page and the signin.failure log line. */
async function refused(rule: Rule, reason: string | RegExp) {
  const r = await signInWith(rule);
  const status = r.res.status;
  const page = await r.res.clone().text();
  await expectRefused(h, r.browser, r.res, r.callback, { reason, secrets: r.seen, hitsBefore: r.hitsBefore, logsFrom: r.logsFrom });
  const failure = h.logs.slice(r.logsFrom).find((l) => l['event'] === 'signin.failure')!;
  return { status, page, failure };
}

describe('the harness', () => {
  it('discovers the {tenantid} template and accepts a token the emulator re-signed unchanged', async () => {
    expect(h.oidc.configuration().serverMetadata().issuer).toBe(`${h.emulator.authorityHost}/{tenantid}/v2.0`);
    const { res, browser } = await signInWith(forge((c) => c));
    expect(res.status).toBe(302);
    const me = await browser.request(`${h.baseUrl}/api/me`, { headers: { accept: 'application/json' } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ tid: EMULATOR_TENANT_ID });
  });
  it('accepts a token of the other allowed tenant whose iss names that tenant', async () => {
    const { res } = await signInWith(forge((c) => ({ ...c, tid: FABRIKAM_TENANT_ID, iss: issuerOf(FABRIKAM_TENANT_ID) })));
    expect(res.status).toBe(302);
  });
});

describe('tenant rules', () => {
  it('refuses an iss that names another (allowed) tenant than the tid, at the code exchange (401)', async () => {
    const { status, failure } = await refused(forge((c) => ({ ...c, tid: FABRIKAM_TENANT_ID, iss: issuerOf(EMULATOR_TENANT_ID) })), 'invalid_token');
    expect(status).toBe(401);
    // Refused by the template grant's own iss check (oauth4webapi), not only later by the session mapping.
    expect(String(failure['cause'])).toMatch(/iss/);
  });
  it('refuses a tid outside ENTRA_ALLOWED_TENANTS with the "organization not enabled" page (403)', async () => {
    const { status, page } = await refused(forge((c) => ({ ...c, tid: OTHER_TID, iss: issuerOf(OTHER_TID) })), 'wrong_tenant');
    expect(status).toBe(403);
    expect(page).toContain('Your organization is not enabled for iLOGON_MHA');
  });
  it('refuses the personal-account tenant when it is not allowed, with its own page (403)', async () => {
    const { status, page } = await refused(forge((c) => ({ ...c, tid: PERSONAL_TENANT_ID, iss: issuerOf(PERSONAL_TENANT_ID) })), 'personal_account');
    expect(status).toBe(403);
    expect(page).toContain('Personal Microsoft accounts cannot sign in to iLOGON_MHA');
  });
  it('refuses the literal {tenantid} template as iss', () => refused(forge((c) => ({ ...c, iss: issuerOf('{tenantid}') })), 'invalid_token'));
  it('refuses a tid that is not a GUID, or missing, even with a matching iss', async () => {
    await refused(forge((c) => ({ ...c, tid: 'contoso.com', iss: issuerOf('contoso.com') })), 'invalid_token');
    await refused(
      forge((c) => {
        const { tid: _tid, ...rest } = c;
        return rest;
      }),
      'invalid_token',
    );
  });
  it('refuses a v1 token (sts.windows.net issuer)', () => refused(forge((c) => ({ ...c, ver: '1.0', iss: `https://sts.windows.net/${EMULATOR_TENANT_ID}/` })), 'invalid_token'));
});

describe('the checks openid-client makes for one tenant, on the template grant', () => {
  it('refuses alg none', () => refused(forge((c) => c, { alg: 'none' }), 'invalid_token'));
  it('refuses HS256 signed with the client secret', () => refused(forge((c) => c, { alg: 'HS256', hmacSecret: EMULATOR_CLIENT_SECRET }), 'invalid_token'));
  it('refuses a corrupted RS256 signature', () => refused(forge((c) => c, { corruptSignature: true }), 'invalid_token'));
  it('refuses a wrong nonce', () => refused(forge((c) => ({ ...c, nonce: 'attacker-nonce' })), 'invalid_token'));
  it('refuses a wrong aud', () => refused(forge((c) => ({ ...c, aud: '99999999-2d4a-4e9b-8f7c-1a2b3c4d5e6f' })), 'invalid_token'));
  it('refuses an expired token', () => {
    const now = Math.floor(Date.now() / 1000);
    return refused(forge((c) => ({ ...c, iat: now - 7200, exp: now - 3600 })), 'invalid_token');
  });
});
