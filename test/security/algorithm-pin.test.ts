/**
 * The RS256 pin (`id_token_signed_response_alg: 'RS256'`, src/auth/oidc-client.ts and
 * src/auth/template-issuer-grant.ts) must not depend on the discovery document. Entra's discovery lists
 * RS256 only, and without the pin the libraries fall back to that list, so id-token.test.ts alone cannot
 * tell the pin from the discovery document. Here the discovery document also advertises `none` and HS256
 * (a misconfigured or tampered authority): tokens with those algorithms are still refused, at the
 * algorithm check itself (the failure's cause names `alg`), on the single-tenant and the template-grant path.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness.js';
import { EMULATOR_CLIENT_SECRET, EMULATOR_TENANT_ID } from '../../src/dev/emulator.js';
import type { ForgeOptions } from '../../src/dev/hostile.js';
import { Browser, expectRefused, hitsOf, reachCallback, recording } from './support.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const WEAK_ALGORITHMS = ['RS256', 'HS256', 'none'];

/** The app, started against a discovery document that advertises weak id_token algorithms. */
async function startAdvertisingWeakAlgorithms(env: Record<string, string>): Promise<Harness> {
  const harness = await startHarness({ env, emulatorDown: true });
  harness.emulator.hostile.set({ discovery: (real) => ({ json: { ...real, id_token_signing_alg_values_supported: WEAK_ALGORITHMS } }) });
  harness.emulator.available = true;
  await harness.oidc.whenReady();
  expect(harness.oidc.configuration().serverMetadata().id_token_signing_alg_values_supported).toEqual(WEAK_ALGORITHMS);
  return harness;
}

const modes: Array<[string, Record<string, string>]> = [
  ['single tenant', {}],
  ['multi-tenant', { ENTRA_TENANT_ID: 'organizations', ENTRA_ALLOWED_TENANTS: EMULATOR_TENANT_ID }],
];
const forged: Array<[string, ForgeOptions]> = [
  ['alg none', { alg: 'none' }],
  ['HS256 keyed with the client secret', { alg: 'HS256', hmacSecret: EMULATOR_CLIENT_SECRET }],
];

describe.each(modes)('%s, discovery advertising none and HS256', (_mode, env) => {
  it('still signs in with the genuine RS256 token', async () => {
    h = await startAdvertisingWeakAlgorithms(env);
    const { url } = await new Browser().signIn(`${h.baseUrl}/auth/login`);
    expect(url).toBe(`${h.baseUrl}/mha/`);
  });

  it.each(forged)('refuses %s at the algorithm check', async (_name, options) => {
    h = await startAdvertisingWeakAlgorithms(env);
    const seen: string[] = [];
    h.emulator.hostile.set({ token: recording(h.emulator.hostile.forgeIdToken((c) => c, options), seen) });
    const browser = new Browser();
    const callback = await reachCallback(h, browser);
    const logsFrom = h.rawLogs.length;
    const hitsBefore = hitsOf(h);
    const res = await browser.request(callback);
    await expectRefused(h, browser, res, callback, { reason: 'invalid_token', secrets: seen, hitsBefore, logsFrom });
    const failure = h.logs.slice(logsFrom).find((l) => l['event'] === 'signin.failure')!;
    expect(String(failure['cause'])).toMatch(/"alg"/);
  });
});
