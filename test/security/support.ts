/**
 * Shared steps for the security suite: drive the real flow up to (not into) the callback, then assert the
 * app refused what came back the way every refusal must look.
 */
import { expect } from 'vitest';
import { Browser } from '../support/browser.js';
import type { Harness } from '../support/harness.js';
import type { Json, Rule } from '../../src/dev/hostile.js';
import { EMULATOR_CLIENT_SECRET } from '../../src/dev/emulator.js';

/** Runs the flow from `start` up to the provider's redirect back to the callback; returns that URL unrequested. */
export function reachCallback(h: Harness, browser: Browser, user = 'B.Simon', start = '/auth/login'): Promise<string> {
  return browser.untilCallback(`${h.baseUrl}${start}`, `${h.baseUrl}/auth/callback`, user);
}

/** A snapshot of the emulator's per-path request counts. */
export function hitsOf(h: Harness): Map<string, number> {
  return new Map(h.emulator.hits);
}

/** Paths requested since `before`, with how many times. */
export function hitsSince(h: Harness, before: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [path, n] of h.emulator.hits) {
    const d = n - (before.get(path) ?? 0);
    if (d > 0) out[path] = d;
  }
  return out;
}

export function paths(h: Harness) {
  // The configured tenant: the GUID, or organizations/common for a multi-tenant app.
  const t = h.config.entra.tenantId;
  return {
    token: `/${t}/oauth2/v2.0/token`,
    jwks: `/${t}/discovery/v2.0/keys`,
    discovery: `/${t}/v2.0/.well-known/openid-configuration`,
    userinfo: `/${t}/openid/userinfo`,
  };
}

/** Wraps a token rule and remembers every id_token/access_token the app was sent, for leak checks. */
export function recording(rule: Rule, seen: string[]): Rule {
  return async (real: Json) => {
    for (const k of ['id_token', 'access_token', 'refresh_token']) if (typeof real[k] === 'string') seen.push(real[k]);
    const outcome = await rule(real);
    if (typeof outcome === 'object' && 'json' in outcome && outcome.json && typeof outcome.json === 'object') {
      for (const k of ['id_token', 'access_token']) {
        const v = (outcome.json as Json)[k];
        if (typeof v === 'string' && v.length > 0) seen.push(v);
      }
    }
    return outcome;
  };
}

/**
 * One sign-in with `rule` on the token endpoint: the app's answer to the callback, the token responses the
 * rule produced, and the log and provider-hit positions from just before the callback (to check what the
 * refusal logged and that nothing further was asked of the provider).
 */
export async function signInWithTokenRule(h: Harness, rule: Rule) {
  const seen: string[] = [];
  h.emulator.hostile.set({ token: recording(rule, seen) });
  const browser = new Browser();
  const callback = await reachCallback(h, browser);
  const logsFrom = h.rawLogs.length;
  const hitsBefore = hitsOf(h);
  const res = await browser.request(callback);
  return { browser, callback, res, seen, logsFrom, hitsBefore };
}

export interface RefusalExpectation {
  /** The `reason` logged with signin.failure (e.g. invalid_token, wrong_tenant). */
  readonly reason?: string | RegExp;
  /** Secrets that must appear neither in the response nor in any log line. */
  readonly secrets?: readonly string[];
  /** Emulator hits before the callback was requested: checks no extra provider calls after a bad id_token. */
  readonly hitsBefore?: Map<string, number>;
  readonly logsFrom?: number;
}

/**
 * The shape of every refusal: an error status with a friendly HTML page (no stack), no session for this
 * browser, nothing secret in the page or the logs, a `signin.failure` audit line, and no further call
 * to the provider once the answer was judged bad.
 */
export async function expectRefused(h: Harness, browser: Browser, res: Response, callbackUrl: string, expected: RefusalExpectation = {}): Promise<string> {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).not.toBe(500);
  expect(res.headers.get('content-type') ?? '').toMatch(/text\/html/);
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = await res.text();
  expect(body).toMatch(/<html/i);
  expect(body).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace
  expect(body).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/); // no JWT of any kind

  const code = new URL(callbackUrl).searchParams.get('code');
  const secrets = [EMULATOR_CLIENT_SECRET, ...(code ? [code] : []), ...(expected.secrets ?? [])].filter((s) => s.length >= 8);
  const logs = h.rawLogs.slice(expected.logsFrom ?? 0).join('\n');
  for (const secret of secrets) {
    expect(body).not.toContain(secret);
    expect(logs).not.toContain(secret);
    // A JWT's signature alone is as good as the token for an attacker who holds the rest.
    const sig = secret.split('.')[2];
    if (sig && sig.length >= 16) expect(logs).not.toContain(sig);
  }

  const failure = h.logs.slice(expected.logsFrom ?? 0).find((l) => l['event'] === 'signin.failure');
  expect(failure, 'a signin.failure audit line').toBeDefined();
  if (expected.reason) expect(String(failure!['reason'])).toMatch(expected.reason);

  const afterCallback = hitsOf(h);
  const me = await browser.request(`${h.baseUrl}/api/me`, { headers: { accept: 'application/json' } });
  expect(me.status).toBe(401);
  const page = await browser.request(`${h.baseUrl}/mha/`);
  expect(page.status).toBe(302);
  if (expected.hitsBefore) {
    const during = hitsSince(h, expected.hitsBefore);
    const p = paths(h);
    for (const path of Object.keys(during)) expect([p.token, p.jwks], `provider call during the callback: ${path}`).toContain(path);
    expect(during[p.token] ?? 0).toBeLessThanOrEqual(1);
  }
  // Nothing more goes to the provider after the refusal (no userinfo, no retry with the same code).
  await new Promise((r) => setTimeout(r, 50));
  expect(hitsSince(h, afterCallback)).toEqual({});
  return String(failure!['reason']);
}

export { Browser };
