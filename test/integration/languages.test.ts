import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUES } from '../../src/i18n/i18n.js';
import { Browser, csrfTokenFrom } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const htmlLang = (html: string) => /<html lang="([^"]+)"/.exec(html)?.[1];

describe('page language', () => {
  it('follows Accept-Language: Japanese for ja-JP, English otherwise', async () => {
    const ja = await fetch(`${h.baseUrl}/`, { headers: { 'accept-language': 'ja-JP,ja;q=0.9,en;q=0.8' } });
    const jaHtml = await ja.text();
    expect(htmlLang(jaHtml)).toBe('ja');
    expect(ja.headers.get('content-language')).toBe('ja');
    expect(jaHtml).toContain(CATALOGUES.ja['landing.signInWithMicrosoft']);
    expect(jaHtml).not.toContain(CATALOGUES.en['landing.signInWithMicrosoft']);

    const fr = await fetch(`${h.baseUrl}/`, { headers: { 'accept-language': 'fr-FR' } });
    const frHtml = await fr.text();
    expect(htmlLang(frHtml)).toBe('en');
    expect(frHtml).toContain(CATALOGUES.en['landing.signInWithMicrosoft']);
  });

  it('remembers an explicit switch over Accept-Language, and returns to the page it was made on', async () => {
    const browser = new Browser({ 'accept-language': 'en-US' });
    const page = await (await browser.request(`${h.baseUrl}/no/such/page?x=1`)).text();
    const href = /href="(\/lang\/ja\?returnTo=[^"]+)"/.exec(page)?.[1]?.replaceAll('&amp;', '&');
    expect(href).toBe(`/lang/ja?returnTo=${encodeURIComponent('/no/such/page?x=1')}`);

    const switched = await browser.request(`${h.baseUrl}${href}`);
    expect(switched.status).toBe(303);
    expect(switched.headers.get('location')).toBe('/no/such/page?x=1');
    const cookie = switched.headers.getSetCookie().find((c) => c.startsWith('mha.lang='))!;
    expect(cookie).toMatch(/^mha\.lang=ja;/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Max-Age=31536000/);

    const after = await browser.request(`${h.baseUrl}/no/such/page?x=1`);
    expect(after.status).toBe(404);
    const html = await after.text();
    expect(htmlLang(html)).toBe('ja');
    expect(html).toContain(CATALOGUES.ja['error.not_found']);
    expect(/<a href="[^"]+" lang="ja" hreflang="ja" aria-current="true">/.test(html)).toBe(true);

    await browser.request(`${h.baseUrl}/lang/en?returnTo=%2F`);
    expect(htmlLang(await (await browser.request(`${h.baseUrl}/`)).text())).toBe('en');
  });

  it('refuses an unknown language and an off-site returnTo', async () => {
    const unknown = await fetch(`${h.baseUrl}/lang/xx`, { redirect: 'manual' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.getSetCookie()).toEqual([]);
    const offsite = await fetch(`${h.baseUrl}/lang/ja?returnTo=${encodeURIComponent('//evil.example/')}`, { redirect: 'manual' });
    expect(offsite.status).toBe(303);
    expect(offsite.headers.get('location')).toBe('/mha/');
    const bare = await fetch(`${h.baseUrl}/lang/ja`, { redirect: 'manual' });
    expect(bare.headers.get('location')).toBe('/');
  });

  it('never offers to switch back into a sign-in step', async () => {
    const res = await fetch(`${h.baseUrl}/auth/callback?state=nope&code=x`, { headers: { 'accept-language': 'ja' } });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain(CATALOGUES.ja['error.signin_unknown_state']);
    expect(html).toContain('href="/lang/en?returnTo=%2F"');
  });

  it('shows the signed-in pages and the AADSTS50105 page in Japanese', async () => {
    const browser = new Browser({ 'accept-language': 'ja' });
    const { res } = await browser.signIn(`${h.baseUrl}/auth/login?returnTo=%2Fmha%2Fprofile`);
    const profile = await res.text();
    expect(profile).toContain(CATALOGUES.ja['profile.intro']);
    expect(profile).toContain(CATALOGUES.ja['layout.signedInAs'].replace('{name}', 'B.Simon'));

    const denied = await new Browser({ 'accept-language': 'ja' }).signIn(`${h.baseUrl}/auth/login`, 'U.Unassigned');
    expect(denied.res.status).toBe(403);
    const page = await denied.res.text();
    expect(page).toContain(CATALOGUES.ja['aadsts.50105.title']);
    expect(page).toContain('AADSTS50105');
    expect(page).toContain('https://login.microsoftonline.com/error?code=50105');
  });
});

describe('signed-out confirmation', () => {
  it('confirms once, after the round trip through Entra, and never to a signed-in user', async () => {
    const browser = new Browser();
    const { res } = await browser.signIn(`${h.baseUrl}/auth/login`);
    const token = csrfTokenFrom(await res.text());
    const out = await browser.follow(`${h.baseUrl}/auth/logout`, { method: 'POST', body: `_csrf=${token}` });
    // The emulator's logout page (Entra signs out there), then back to the start page.
    expect(new URL(out.url).origin).toBe(h.emulator.authorityHost);
    const start = await browser.request(`${h.baseUrl}/`);
    const html = await start.text();
    expect(html).toContain(CATALOGUES.en['signedOut.heading']);
    expect(html).toContain('role="status"');
    const again = await (await browser.request(`${h.baseUrl}/`)).text();
    expect(again).not.toContain(CATALOGUES.en['signedOut.heading']);
    expect(again).toContain(CATALOGUES.en['landing.signInWithMicrosoft']);
  });
});
