/**
 * Issue 16 item 4: a sign-in reports its outcome (the auth router's onSignIn), and the metrics and the failure
 * log subscribe, instead of the metrics guessing from the callback's path and a 302 at the end of the response.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

// A browser's top-level navigation: what moves a failed callback to its reloadable error page.
const NAVIGATION = { 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' };

async function signIns(harness: Harness, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${harness.baseUrl}/metrics`)).text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return text
    .split('\n')
    .filter((l) => l.startsWith('signins_total{') && wanted.every((w) => l.includes(w)))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

describe('issue 16 item 4: every sign-in outcome is counted once, by what happened', () => {
  it('issue 16 item 4: a failed sign-in that a browser navigation moves to its error page is counted, logged and listed once', async () => {
    h = await startHarness();
    h.emulator.faults.authorizeError = 50105;
    const browser = new Browser(NAVIGATION);
    const callback = await browser.untilCallback(`${h.baseUrl}/auth/login`, `${h.baseUrl}/auth/callback`, 'U.Unassigned');
    const moved = await browser.request(callback);
    expect(moved.status).toBe(303);
    const page = await browser.request(`${h.baseUrl}${moved.headers.get('location')!}`);
    expect(page.status).toBe(403);
    // Reloaded: shown again, never counted or logged again.
    expect((await browser.request(`${h.baseUrl}${moved.headers.get('location')!}`)).status).toBe(403);

    expect(await signIns(h, { outcome: 'failure', reason: 'entra_error', aadsts: '50105' })).toBe(1);
    expect(await signIns(h, { outcome: 'success' })).toBe(0);
    expect(h.logs.filter((l) => l['event'] === 'signin.failure')).toMatchObject([{ reason: 'entra_error', aadsts: '50105', reqId: moved.headers.get('x-request-id') }]);
  });

  it('issue 16 item 4: a silent renewal that falls back to the interactive sign-in is not a sign-in of its own', async () => {
    h = await startHarness({ env: { SESSION_IDLE_TIMEOUT_MINUTES: '60', SESSION_ABSOLUTE_TIMEOUT_MINUTES: '60' } });
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`, 'B.Simon');
    h.advance(50 * 60_000);
    expect((await browser.request(`${h.baseUrl}/mha/`)).status).toBe(200);
    h.advance(15 * 60_000);
    // Entra's session is gone: prompt=none comes back login_required, and the interactive sign-in follows.
    const emulatorCookies = browser.jar.get(new URL(h.emulator.authorityHost).hostname)!;
    for (const name of [...emulatorCookies.keys()]) if (name.startsWith('_session')) emulatorCookies.delete(name);
    const { steps, res } = await browser.signIn(`${h.baseUrl}/mha/profile`, 'B.Simon');
    expect(res.status).toBe(200);
    expect(steps.some((s) => s.url.includes('/auth/callback') && s.url.includes('error=login_required'))).toBe(true);

    // Two sessions were made (the first sign-in, the interactive one after the fallback): two sign-ins, no failure.
    expect(h.logs.filter((l) => l['event'] === 'signin.success')).toHaveLength(2);
    expect(await signIns(h, { outcome: 'success' })).toBe(2);
    expect(await signIns(h, { outcome: 'failure' })).toBe(0);
  });
});
