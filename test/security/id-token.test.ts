/**
 * A hostile provider answers the code exchange with an id_token (or a token response) that must not sign
 * anyone in. Each case runs the real flow against the emulator, whose token endpoint rewrites its own
 * answer; the app must refuse with a friendly page, create no session, leak nothing, log signin.failure
 * and call the provider no further.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { EMULATOR_CLIENT_ID, EMULATOR_CLIENT_SECRET } from '../../src/dev/emulator.js';
import type { ForgeOptions, Json, Rule } from '../../src/dev/hostile.js';
import { expectRefused, signInWithTokenRule } from './support.js';

const PERSONAL_ACCOUNTS_TID = '9188040d-6c67-4c5b-b112-36a304b66dad';
const OTHER_TID = '11111111-2222-4333-8444-555555555555';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
afterEach(() => {
  h.emulator.hostile.reset();
});

const now = () => Math.floor(Date.now() / 1000);

const signInWith = (rule: Rule) => signInWithTokenRule(h, rule);

async function refused(rule: Rule, reason?: string | RegExp) {
  const r = await signInWith(rule);
  return expectRefused(h, r.browser, r.res, r.callback, { reason, secrets: r.seen, hitsBefore: r.hitsBefore, logsFrom: r.logsFrom });
}

const forge = (edit: (c: Json) => Json, options?: ForgeOptions) => h.emulator.hostile.forgeIdToken(edit, options);
const without = (name: string) => (c: Json) => {
  const copy = { ...c };
  delete copy[name];
  return copy;
};

describe('the hostile harness itself', () => {
  it('accepts a token the emulator re-signed unchanged (so every refusal below is caused by the one change)', async () => {
    const { res, browser } = await signInWith(forge((c) => c));
    expect(res.status).toBe(302);
    expect((await browser.request(`${h.baseUrl}/api/me`)).status).toBe(200);
  });
});

describe('id_token claims', () => {
  it('refuses a wrong iss', () => refused(forge((c) => ({ ...c, iss: 'https://evil.example/x/v2.0' })), 'invalid_token'));
  it('refuses a wrong aud', () => refused(forge((c) => ({ ...c, aud: '99999999-2d4a-4e9b-8f7c-1a2b3c4d5e6f' })), 'invalid_token'));
  it('refuses a missing aud', () => refused(forge(without('aud')), 'invalid_token'));
  it('refuses an extra audience without azp', () =>
    refused(forge((c) => ({ ...without('azp')(c), aud: [EMULATOR_CLIENT_ID, 'https://other.example'] })), 'invalid_token'));
  it('refuses an extra audience whose azp is another client', () =>
    refused(forge((c) => ({ ...c, aud: [EMULATOR_CLIENT_ID, 'other'], azp: 'other' })), 'invalid_token'));
  it('refuses a missing sub', () => refused(forge(without('sub')), 'invalid_token'));
  it('refuses a missing iat', () => refused(forge(without('iat')), 'invalid_token'));
  it('refuses a missing exp', () => refused(forge(without('exp')), 'invalid_token'));
  it('refuses an expired token', () => refused(forge((c) => ({ ...c, iat: now() - 7200, exp: now() - 3600 })), 'invalid_token'));
  it('refuses nbf in the future beyond the clock tolerance', () => refused(forge((c) => ({ ...c, nbf: now() + 120 })), 'invalid_token'));
  it('refuses iat in the future beyond the clock tolerance', () =>
    refused(forge((c) => ({ ...c, iat: now() + 120, exp: now() + 3720 })), 'invalid_token'));
  it('accepts nbf and iat a few seconds ahead (within the clock tolerance)', async () => {
    const { res, browser } = await signInWith(forge((c) => ({ ...c, nbf: now() + 10, iat: now() + 10 })));
    expect(res.status).toBe(302);
    expect((await browser.request(`${h.baseUrl}/api/me`)).status).toBe(200);
  });
  it('refuses a wrong nonce', () => refused(forge((c) => ({ ...c, nonce: 'attacker-nonce-0123456789' })), 'invalid_token'));
  it('refuses a missing nonce', () => refused(forge(without('nonce')), 'invalid_token'));
  it('refuses a tid that is not the configured tenant', () => refused(forge((c) => ({ ...c, tid: OTHER_TID })), 'wrong_tenant'));
  it('refuses another tenant whose iss matches its own tid', () =>
    refused(forge((c) => ({ ...c, tid: OTHER_TID, iss: `${h.emulator.authorityHost}/${OTHER_TID}/v2.0` })), /invalid_token|wrong_tenant/));
  it('refuses a personal Microsoft account (consumers tenant)', () =>
    refused(forge((c) => ({ ...c, tid: PERSONAL_ACCOUNTS_TID })), 'personal_account'));
  it('refuses a missing or malformed tid', async () => {
    await refused(forge(without('tid')), 'invalid_token');
    await refused(forge((c) => ({ ...c, tid: 'contoso.com' })), 'invalid_token');
  });
  it('refuses a v1.0 token (ver 1.0, sts.windows.net issuer)', async () => {
    await refused(forge((c) => ({ ...c, ver: '1.0' })), 'invalid_token');
    await refused(forge((c) => ({ ...c, ver: '1.0', iss: `https://sts.windows.net/${String(c['tid'])}/` })), 'invalid_token');
  });
  it('refuses a missing or malformed oid', async () => {
    await refused(forge(without('oid')), 'invalid_token');
    await refused(forge((c) => ({ ...c, oid: 'B.Simon@contoso.com' })), 'invalid_token');
  });
});

describe('id_token signature and algorithm', () => {
  it('refuses alg none', () => refused(forge((c) => c, { alg: 'none' }), 'invalid_token'));
  it('refuses HS256 signed with the client secret', () =>
    refused(forge((c) => c, { alg: 'HS256', hmacSecret: EMULATOR_CLIENT_SECRET }), 'invalid_token'));
  it('refuses RS256 with a corrupted signature', () => refused(forge((c) => c, { corruptSignature: true }), 'invalid_token'));
  it('refuses RS256 signed by a key the provider does not publish (attacker key, same kid)', () =>
    refused(forge((c) => c, { key: 'rotated', kid: h.emulator.hostile.kid }), 'invalid_token'));
  it('refuses a token signed by an unpublished key under an unknown kid', () =>
    refused(forge((c) => c, { key: 'rotated' }), 'invalid_token'));
});

describe('malformed token responses', () => {
  const answer = (json: unknown): Rule => () => ({ json });
  it('refuses a token response without id_token', () => refused((real) => ({ json: without('id_token')(real) }), /invalid_token|provider_error/));
  it('refuses an empty id_token', () => refused((real) => ({ json: { ...real, id_token: '' } }), /invalid_token|provider_error/));
  it('refuses an id_token that is not a string', () => refused((real) => ({ json: { ...real, id_token: 12345 } }), /invalid_token|provider_error/));
  it('refuses an id_token that is not a JWT', () => refused((real) => ({ json: { ...real, id_token: 'not.a-jwt' } }), /invalid_token|provider_error/));
  it('refuses an id_token with garbage base64 parts', () =>
    refused((real) => ({ json: { ...real, id_token: 'eyJ!!!.@@@@.####' } }), /invalid_token|provider_error/));
  it('refuses a JSON array', () => refused(answer([1, 2, 3]), /invalid_token|provider_error/));
  it('refuses a token_type other than Bearer', () => refused((real) => ({ json: { ...real, token_type: 'evil' } }), /invalid_token|provider_error/));
  it('refuses a body that is not JSON', () =>
    refused(() => ({ status: 200, body: '{"id_token": "eyJ', contentType: 'application/json' }), /provider_error|invalid_token/));
  it('refuses an HTML page with status 200', () =>
    refused(() => ({ status: 200, body: '<html>Sign in</html>', contentType: 'text/html' }), /provider_error|invalid_token/));
  it('refuses a 500 from the token endpoint', () => refused(() => ({ status: 500, body: 'Internal Server Error', contentType: 'text/plain' }), /entra_error|provider_error/));
  it('shows Entra error ids for an OAuth error body, with no session', () =>
    refused(() => ({ status: 400, json: { error: 'invalid_grant', error_description: 'AADSTS54005: OAuth2 Authorization code was already redeemed.', error_codes: [54005] } }), 'entra_error'));
});
