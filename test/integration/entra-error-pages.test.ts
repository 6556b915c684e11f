import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { catalogueCode, ENTRA_ERROR_TABLE, explainEntraError, MAPPED_AADSTS_CODES } from '../../src/auth/entra-errors.js';
import { createTranslator } from '../../src/i18n/i18n.js';
import { Browser } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';

const en = createTranslator('en');
const ja = createTranslator('ja');
/** The words the person signing in reads for a code, from the catalogue. */
function userWords(code: string, tr = en): { title: string; advice: string } {
  return { title: tr.lookup(`aadsts.${catalogueCode(code)}.title`)!, advice: tr.lookup(`aadsts.${catalogueCode(code)}.advice`)! };
}

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** What Eta's auto-escaping makes of a string, so page text can be compared with the table. */
function html(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function failuresFor(h: Harness, requestId: string): Array<Record<string, unknown>> {
  return h.logs.filter((l) => l['event'] === 'signin.failure' && l['reqId'] === requestId);
}

describe('every mapped AADSTS code, redirected back by the emulator, renders its page', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  afterEach(() => {
    h.emulator.faults.reset();
  });

  it.each(MAPPED_AADSTS_CODES.map((c) => [c]))('AADSTS%s: friendly page, codes to quote, no technical detail for an anonymous user', async (code) => {
    h.emulator.faults.authorizeError = Number(code);
    const browser = new Browser();
    const { res, url } = await browser.follow(`${h.baseUrl}/auth/login`);
    expect(url.startsWith(`${h.baseUrl}/auth/callback?`)).toBe(true);
    const explained = explainEntraError({ error: new URL(url).searchParams.get('error')!, aadsts: code });
    expect(explained.known).toBe(true);
    expect(res.status).toBe(new URL(url).searchParams.get('error') === 'access_denied' ? 403 : 400);
    const page = await res.text();
    expect(page).toContain(html(userWords(code).title));
    expect(page).toContain(html(userWords(code).advice));
    // The codes to quote: the AADSTS code, trace and correlation ids, timestamp, request id.
    const requestId = res.headers.get('x-request-id')!;
    expect(page).toContain(`AADSTS${code}`);
    expect(page).toMatch(new RegExp(`Trace ID</dt><dd><code>${GUID.source}`));
    expect(page).toMatch(new RegExp(`Correlation ID</dt><dd><code>${GUID.source}`));
    expect(page).toMatch(/Time<\/dt><dd><time datetime="\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ">/);
    expect(page).toContain(`<code>${requestId}</code>`);
    // Nothing technical for someone who is not signed in: no admin steps, no Entra description.
    expect(page).not.toContain('For administrators');
    expect(page).not.toContain(html(explained.title));
    expect(page).not.toContain(html(explained.cause));
    expect(page).not.toMatch(/Trace ID: /);
    expect(page).not.toContain(h.config.entra.clientId);
    // Logged exactly once, with the code.
    const logged = failuresFor(h, requestId);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ reason: 'entra_error', aadsts: code });
    expect(logged[0]!['traceId']).toMatch(GUID);
  });

  it('speaks the reader\'s language: AADSTS53003 in Japanese', async () => {
    h.emulator.faults.authorizeError = 53003;
    const { res } = await new Browser({ 'accept-language': 'ja' }).follow(`${h.baseUrl}/auth/login`);
    const page = await res.text();
    expect(page).toContain(html(userWords('53003', ja).title));
    expect(page).toContain(html(userWords('53003', ja).advice));
    expect(page).toContain('AADSTS53003');
  });

  it('answers JSON clients with the codes to quote and no technical part', async () => {
    h.emulator.faults.authorizeError = 50105;
    const browser = new Browser({ accept: 'application/json' });
    const start = await browser.request(`${h.baseUrl}/auth/login`);
    const authorize = await browser.request(start.headers.get('location')!);
    const callback = await browser.request(authorize.headers.get('location')!);
    expect(callback.status).toBe(403);
    const body = (await callback.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error: 'signin_entra_error', aadsts: '50105', message: userWords('50105').title });
    expect(body['traceId']).toMatch(GUID);
    expect(body['correlationId']).toMatch(GUID);
    expect(body['requestId']).toBe(callback.headers.get('x-request-id'));
    expect(body).not.toHaveProperty('technical');
  });

  it('loads the copy button from a file: no inline script, and the CSP still forbids inline script', async () => {
    h.emulator.faults.authorizeError = 50105;
    const { res } = await new Browser().follow(`${h.baseUrl}/auth/login`);
    const page = await res.text();
    // Fingerprinted (issue 15, delivery): the one script, from a file, cached immutably.
    const scripts = page.match(/<script[^>]*>/g) ?? [];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]).toMatch(/^<script src="\/assets\/copy-codes\.[0-9a-f]{12}\.js" defer>$/);
    expect(page).toMatch(/<button type="button"[^>]*data-copy="error-codes"[^>]*hidden>/);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
    const script = await fetch(`${h.baseUrl}/assets/copy-codes.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(await script.text()).toContain("getAttribute('data-copy')");
  });
});

describe('errors Entra produces by itself for a wrong set-up', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('shows AADSTS7000215 when the client secret is wrong (token endpoint)', async () => {
    h = await startHarness({ env: { ENTRA_CLIENT_SECRET: 'a-wrong-secret-value~that-is-not-the-real-one' } });
    const { res, url } = await new Browser().signIn(`${h.baseUrl}/auth/login`);
    expect(url.startsWith(`${h.baseUrl}/auth/callback?`)).toBe(true);
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('AADSTS7000215');
    expect(page).toContain(html(userWords('7000215').title));
    expect(page).not.toContain('a-wrong-secret');
    expect(h.logs.filter((l) => l['event'] === 'signin.failure')).toMatchObject([{ reason: 'entra_error', aadsts: '7000215', error: 'invalid_client' }]);
    expect((await fetch(`${h.baseUrl}/api/me`)).status).toBe(401);
  });

  it('shows AADSTS7000222 when the client secret has expired', async () => {
    h = await startHarness();
    h.emulator.faults.secretExpired = true;
    const browser = new Browser();
    const { res } = await browser.signIn(`${h.baseUrl}/auth/login`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('AADSTS7000222');
    expect((await browser.request(`${h.baseUrl}/api/me`)).status).toBe(401);
  });

  it('shows AADSTS50105 for a user who is not assigned to the app', async () => {
    h = await startHarness();
    const { res } = await new Browser().signIn(`${h.baseUrl}/auth/login`, 'U.Unassigned');
    expect(res.status).toBe(403);
    const page = await res.text();
    expect(page).toContain(html(userWords('50105').title));
    expect(page).not.toContain('U.Unassigned@contoso.com');
  });

  it('stops at the emulator with AADSTS50011 when BASE_URL differs from the registered redirect URI', async () => {
    h = await startHarness({ registeredBaseUrl: 'https://mha.example.com' });
    const { res, url } = await new Browser().follow(`${h.baseUrl}/auth/login`);
    expect(new URL(url).origin).toBe(h.emulator.authorityHost);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('AADSTS50011');
  });

  it('stops at the emulator with AADSTS700016 when the client id is not registered', async () => {
    h = await startHarness({ env: { ENTRA_CLIENT_ID: '11111111-2222-4333-8444-555555555555' } });
    const { res, url } = await new Browser().follow(`${h.baseUrl}/auth/login`);
    expect(new URL(url).origin).toBe(h.emulator.authorityHost);
    expect(await res.text()).toContain('AADSTS700016');
  });
});

describe('technical detail for admins', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
  });

  it('shows who can fix it, the steps with this deployment\'s redirect URI, and Entra\'s message when SHOW_ERROR_DETAILS=true', async () => {
    h = await startHarness({ env: { SHOW_ERROR_DETAILS: 'true' } });
    h.emulator.faults.authorizeError = 50011;
    const { res } = await new Browser().follow(`${h.baseUrl}/auth/login`);
    const page = await res.text();
    const entry = ENTRA_ERROR_TABLE.find((e) => e.codes.includes('50011'))!;
    expect(page).toContain(html(`For administrators: ${entry.title}`));
    expect(page).toContain(html("Who can fix it: your organization's Entra administrator"));
    expect(page).toContain(html(`under the Web platform add exactly ${h.config.redirectUri}`));
    expect(page).toMatch(/AADSTS50011: The redirect URI specified/);
    expect(page).toContain('https://login.microsoftonline.com/error?code=50011');
  });

  it('shows the technical part to a signed-in user with the admin role, and not to one without it', async () => {
    h = await startHarness();
    const admin = new Browser();
    await admin.signIn(`${h.baseUrl}/auth/login`, 'A.Admin');
    const user = new Browser();
    await user.signIn(`${h.baseUrl}/auth/login`, 'B.Simon');
    h.emulator.faults.authorizeError = 7000215;
    const title = ENTRA_ERROR_TABLE.find((e) => e.codes.includes('7000215'))!.title;

    const seenByAdmin = await (await admin.follow(`${h.baseUrl}/auth/login`)).res.text();
    expect(seenByAdmin).toContain(html(`For administrators: ${title}`));
    expect(seenByAdmin).toContain('Certificates &amp; secrets');
    const seenByUser = await (await user.follow(`${h.baseUrl}/auth/login`)).res.text();
    expect(seenByUser).toContain('AADSTS7000215');
    expect(seenByUser).not.toContain('For administrators');
    expect(seenByUser).not.toContain('Certificates &amp; secrets');
  });
});
