/**
 * Issue 15 on the wire, against the real app and the Entra emulator on loopback: error pages whose action
 * fits the cause, a failed callback moved to a reloadable page that keeps the real error, compression that
 * never touches a page carrying a secret, fingerprinted assets cached immutably, and the admin status page
 * (with problems and with nothing to report) in both languages.
 */
import { gunzipSync } from 'node:zlib';
import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUES } from '../../src/i18n/i18n.js';
import { Browser } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';
import { englishRuns } from '../support/english-runs.js';

/** A browser's top-level navigation: what modern browsers send, and what moves a failure to /auth/error. */
const NAVIGATION = { 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' };

function decode(html: string): string {
  return html.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
function primaryAction(page: string): string | undefined {
  return /<a class="button" href="[^"]*" data-action="([a-z-]+)">/.exec(page)?.[1];
}

/** A raw GET (no automatic decompression), to see the bytes and headers as they are sent. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('issue 15: error pages that guide', () => {
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

  it('issue 15 error pages: AADSTS50105 offers another account, never "Try signing in again"', async () => {
    h.emulator.faults.authorizeError = 50105;
    const { res } = await new Browser().follow(`${h.baseUrl}/auth/login`);
    const page = await res.text();
    expect(res.status).toBe(403);
    expect(primaryAction(page)).toBe('different-account');
    expect(page).toContain('href="/auth/login?prompt=select_account" data-action="different-account"');
    expect(page).not.toContain(CATALOGUES.en['error.signInAgain']);
  });

  it('issue 15 error pages: AADSTS7000222 (an expired secret) leads to what to tell the administrator', async () => {
    h.emulator.faults.secretExpired = true;
    const { res } = await new Browser().signIn(`${h.baseUrl}/auth/login`);
    const page = await res.text();
    expect(page).toContain('AADSTS7000222');
    expect(primaryAction(page)).toBe('tell-admin');
    expect(decode(page)).toContain(CATALOGUES.en['error.tellAdminBody']);
    expect(page).not.toContain(CATALOGUES.en['error.signInAgain']);
  });

  it('issue 15 error pages: AADSTS7000215 (a wrong secret) leads to what to tell the administrator', async () => {
    const wrong = await startHarness({ env: { ENTRA_CLIENT_SECRET: 'a-wrong-secret-that-entra-refuses-0123456' } });
    try {
      const { res } = await new Browser().signIn(`${wrong.baseUrl}/auth/login`);
      const page = await res.text();
      expect(page).toContain('AADSTS7000215');
      expect(primaryAction(page)).toBe('tell-admin');
      expect(page).not.toContain(CATALOGUES.en['error.signInAgain']);
    } finally {
      await wrong.close();
    }
  });

  it('issue 15 error pages: the human words first, the internal code last, the time in one localised format', async () => {
    h.emulator.faults.authorizeError = 50105;
    for (const [locale, time] of [
      ['en', /<time datetime="[^"]+">\d\d [A-Z][a-z]{2} \d{4}, \d\d:\d\d:\d\d UTC<\/time>/],
      ['ja', /<time datetime="[^"]+">\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d UTC<\/time>/],
    ] as const) {
      const { res } = await new Browser({ 'accept-language': locale }).follow(`${h.baseUrl}/auth/login`);
      const page = await res.text();
      expect(page).toMatch(time);
      const heading = page.indexOf(CATALOGUES[locale]['aadsts.50105.title']);
      expect(heading).toBeGreaterThan(0);
      expect(page.indexOf('signin_entra_error')).toBeGreaterThan(page.indexOf('AADSTS50105'));
      expect(page.indexOf('AADSTS50105')).toBeGreaterThan(heading);
    }
  });

  it('issue 15 error pages: a failed callback moves to /auth/error; reload and language switch keep the real error, recorded once', async () => {
    h.emulator.faults.authorizeError = 50105;
    const browser = new Browser(NAVIGATION);
    const callback = await browser.untilCallback(`${h.baseUrl}/auth/login`, `${h.baseUrl}/auth/callback`, 'U.Unassigned');
    expect(callback).toContain('error_description');
    const moved = await browser.request(callback);
    expect(moved.status).toBe(303);
    const location = moved.headers.get('location')!;
    // Only a random reference in the address bar: no description, no user name, no code.
    expect(location).toMatch(/^\/auth\/error\?ref=[A-Za-z0-9_-]{16}$/);
    expect(moved.headers.get('set-cookie')).toMatch(/mha\.signin_error=[^;]+; Max-Age=600; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax/);
    const failures = () => h.logs.filter((l) => l['event'] === 'signin.failure').length;
    const recorded = failures();

    const first = await browser.request(`${h.baseUrl}${location}`);
    expect(first.status).toBe(403);
    const page = await first.text();
    expect(decode(page)).toContain(CATALOGUES.en['aadsts.50105.title']);
    // The callback's own request id, the one in the logs, is the one to quote.
    expect(page).toContain(`<code>${moved.headers.get('x-request-id')}</code>`);

    const reload = await browser.request(`${h.baseUrl}${location}`);
    expect(reload.status).toBe(403);
    const withoutTime = (html: string) => html.replace(/<time datetime="[^"]+">[^<]+<\/time>/g, '');
    expect(withoutTime(await reload.text())).toBe(withoutTime(page));

    // The language switcher's link on this page comes back here, in Japanese, with the same error.
    const switchHref = decode(/<a href="(\/lang\/ja\?returnTo=[^"]+)"/.exec(page)![1]!);
    const { res: ja, url } = await browser.follow(`${h.baseUrl}${switchHref}`);
    expect(new URL(url).pathname + new URL(url).search).toBe(location);
    const jaPage = decode(await ja.text());
    expect(jaPage).toContain(CATALOGUES.ja['aadsts.50105.title']);
    expect(jaPage).toContain('AADSTS50105');
    expect(failures()).toBe(recorded);
  });

  it('issue 15 error pages: a forged, foreign or missing kept error is "no longer available", never a crash or another error', async () => {
    h.emulator.faults.authorizeError = 50105;
    const browser = new Browser(NAVIGATION);
    const moved = await browser.request(await browser.untilCallback(`${h.baseUrl}/auth/login`, `${h.baseUrl}/auth/callback`, 'U.Unassigned'));
    const location = moved.headers.get('location')!;
    const cookie = browser.cookie(h.baseUrl, 'mha.signin_error')!;

    const expired = CATALOGUES.en['error.error_reference_expired'];
    // Another reference than the one kept.
    const other = await browser.request(`${h.baseUrl}/auth/error?ref=BBBBBBBBBBBBBBBB`);
    expect(other.status).toBe(410);
    expect(decode(await other.text())).toContain(expired);
    // A tampered cookie (the signature no longer matches).
    const forged = new Browser(NAVIGATION);
    forged.setCookie(h.baseUrl, 'mha.signin_error', cookie.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')));
    const forgedRes = await forged.request(`${h.baseUrl}${location}`);
    expect(forgedRes.status).toBe(410);
    // Another browser (no cookie), garbage references, repeated references.
    for (const path of [location, '/auth/error', '/auth/error?ref=%00%ff', `${location}&ref=x`, '/auth/error?ref[]=a']) {
      const res = await new Browser(NAVIGATION).request(`${h.baseUrl}${path}`);
      expect(res.status, path).toBe(410);
      expect(decode(await res.text()), path).toContain(expired);
    }
  });

  it('issue 15 error pages: a signed-in user\'s refused second account: the header does not say "Signed in as" the first', async () => {
    const browser = new Browser(NAVIGATION);
    await browser.signIn(`${h.baseUrl}/auth/login`, 'B.Simon');
    h.emulator.faults.authorizeError = 50105;
    const { res } = await browser.follow(`${h.baseUrl}/auth/login?prompt=select_account`);
    const page = decode(await res.text());
    expect(page).toContain(CATALOGUES.en['aadsts.50105.title']);
    const header = page.slice(page.indexOf('<header'), page.indexOf('</header>'));
    expect(header).not.toContain('B.Simon');
    expect(header).not.toContain(CATALOGUES.en['layout.signedInAs'].replace(' {name}', ''));
    expect(page).toContain(CATALOGUES.en['error.stillSignedInAs'].replace('{name}', 'B.Simon'));
  });
});

describe('issue 15: delivery', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it('issue 15 delivery: anonymous pages and assets are gzipped; a page with a CSRF token never is (BREACH)', async () => {
    const landing = await rawGet(`${h.baseUrl}/`, { 'accept-encoding': 'gzip', accept: 'text/html' });
    expect(landing.headers['content-encoding']).toBe('gzip');
    expect(landing.headers['vary']).toMatch(/Accept-Encoding/i);
    expect(gunzipSync(landing.body).toString('utf8')).toContain('<meta name="description"');

    const css = /href="(\/assets\/styles\.[0-9a-f]{12}\.css)"/.exec(gunzipSync(landing.body).toString('utf8'))![1]!;
    const asset = await rawGet(`${h.baseUrl}${css}`, { 'accept-encoding': 'gzip' });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-encoding']).toBe('gzip');

    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    const cookies = [...browser.jar.get('127.0.0.1')!].map(([n, c]) => `${n}=${c.value}`).join('; ');
    const home = await rawGet(`${h.baseUrl}/mha/`, { 'accept-encoding': 'gzip', accept: 'text/html', cookie: cookies });
    expect(home.status).toBe(200);
    expect(home.body.toString('utf8')).toContain('name="_csrf"');
    expect(home.headers['content-encoding']).toBeUndefined();
  });

  it('issue 15 delivery: fingerprinted assets are cached immutably; plain names briefly; a stale fingerprint is not served', async () => {
    const page = await (await fetch(`${h.baseUrl}/`)).text();
    const urls = [...page.matchAll(/(?:href|src)="(\/assets\/[\w-]+\.[0-9a-f]{12}\.[a-z]+)"/g)].map((m) => m[1]!);
    expect(urls.length).toBeGreaterThanOrEqual(2);
    for (const url of urls) {
      const res = await fetch(`${h.baseUrl}${url}`);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('cache-control'), url).toBe('public, max-age=31536000, immutable');
    }
    const plain = await fetch(`${h.baseUrl}/assets/styles.css`);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('cache-control')).toBe('public, max-age=3600');
    const stale = await fetch(`${h.baseUrl}/assets/styles.000000000000.css`);
    expect(stale.status).toBe(404);
  });
});

describe('issue 15: /mha/admin/status for an operator', () => {
  it.each(['en', 'ja'] as const)('issue 15 status (%s): nothing to report, then a problem, each summarised at the top', async (locale) => {
    const h = await startHarness();
    const text = CATALOGUES[locale];
    const admin = new Browser({ 'accept-language': locale });
    const statusPage = async (): Promise<string> => {
      const res = await admin.request(`${h.baseUrl}/mha/admin/status`);
      expect(res.status).toBe(200);
      return res.text();
    };
    try {
      await admin.signIn(`${h.baseUrl}/auth/login`, 'A.Admin');
      const good = await statusPage();
      const summary = (page: string) => /<div class="summary summary-(\w+)" role="status">[\s\S]*?<p class="summary-title">([^<]+)<\/p>/.exec(page)!;
      expect(summary(good)[1]).not.toBe('problem');
      expect(good).not.toContain('class="check check-problem"');
      expect(good).toContain(text['status.noFailures']);

      h.emulator.faults.secretExpired = true;
      const bad = await statusPage();
      h.emulator.faults.reset();
      const [, overall, title] = summary(bad);
      expect(overall).toBe('problem');
      const problems = bad.match(/class="check check-problem"/g)!.length;
      expect(decode(title!)).toBe(text['status.summaryProblems'].replace('{n}', String(problems)));
      // The problem first, with a word and an icon; the doctor's backticks rendered as code.
      expect(bad.indexOf('check-problem')).toBeLessThan(bad.indexOf('check-ok'));
      expect(bad).toMatch(new RegExp(`<span class="status-badge badge-problem"><span aria-hidden="true">✕</span> ${text['status.problem']}</span>`));
      expect(bad).toContain('<code>npm run doctor</code>');
      if (locale === 'ja') {
        // The expired secret in the code table's Japanese: its title in the message, its steps as the fix.
        expect(bad).toContain(`<h3 class="check-title">${text['status.checkTitle.client_credentials']}</h3>`);
        expect(bad).toContain('クライアント シークレットの有効期限が切れています（AADSTS7000222）。');
        expect(bad).toContain('期限切れのシークレットを削除し、新しい有効期限を控えておきます。');
      }
      for (const page of [good, bad]) {
        const main = page.slice(page.indexOf('<main'), page.indexOf('</main>'));
        expect(main).not.toContain('[object Object]');
        expect(main).not.toMatch(/>null<|>undefined<|`/);
        for (const name of ['BASE_URL', 'ENTRA_TENANT_ID', 'ENTRA_CLIENT_ID', 'SESSION_IDLE_TIMEOUT_MINUTES', 'MHA_ADMIN_ROLE', 'RATE_LIMIT_AUTH_MAX']) expect(main).toContain(`<code>${name}</code>`);
        expect(main).not.toMatch(/>(clientId|sessionIdleMinutes|adminRole|rateLimit)</);
        if (locale === 'ja') {
          // issue 15 admin text bilingual: the checks in Japanese, titles, messages and fixes, none left marked English.
          const checks = main.slice(main.indexOf('<ul class="checks">'), main.indexOf('</ul>', main.indexOf('<ul class="checks">')));
          expect(checks).not.toContain('lang="en"');
          expect(checks).toContain(`<h3 class="check-title">${text['status.checkTitle.discovery']}</h3>`);
          expect(checks).toContain(`<h3 class="check-title">${text['status.checkTitle.session_store']}</h3>`);
          expect(englishRuns(checks)).toEqual([]);
        }
        expect(decode(main)).toContain(text['status.secretLength'].replace('{n}', String(h.config.entra.clientSecret.length)));
      }
    } finally {
      await h.close();
    }
  });
});
