import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { Browser } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startNginx, type Nginx } from '../support/nginx.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

const RSA_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

/** Counts real writes to the session store (the real store, observed, not replaced). */
function countStoreWrites(h: Harness): { readonly count: number } {
  const store = h.backend.store;
  const counter = { count: 0 };
  const set = store.set.bind(store);
  store.set = (sid, data, cb) => {
    counter.count++;
    set(sid, data, cb);
  };
  return counter;
}

describe('GET /auth/check (no upstream: nginx auth_request / Traefik forwardAuth)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ env: { UPSTREAM_JWT_KEY: RSA_KEY } });
  });
  afterEach(async () => {
    await h.close();
  });

  it('answers 401 without a session: no redirect, no cookie, no session created', async () => {
    const res = await fetch(`${h.baseUrl}/auth/check`, { redirect: 'manual', headers: { cookie: 'mha.sid=s%3Aforged.sig' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(res.headers.get('x-ms-client-principal-id')).toBeNull();
    expect(h.backend.store).toHaveProperty('size', 0);
  });

  it('gives a signed-out browser (Traefik shows our 401 as it is) a Sign in link back to the original path, still 401; JSON callers get the 401 JSON', async () => {
    const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
    const signInLink = async (headers: Record<string, string>): Promise<string | undefined> => {
      const res = await fetch(`${h.baseUrl}/auth/check`, { redirect: 'manual', headers: { ...html, ...headers } });
      expect(res.status).toBe(401);
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const page = await res.text();
      expect(page).toContain('<h1 id="page-title">Sign-in required.</h1>');
      return /<a class="button" href="([^"]+)" data-action="sign-in">Sign in<\/a>/.exec(page)?.[1];
    };
    // Traefik forwardAuth: X-Forwarded-Uri; nginx auth_request: X-Original-URI (as the README snippets set).
    const traefik = await signInLink({ 'x-forwarded-uri': '/mha/profile?tab=roles' });
    expect(traefik).toBe('/auth/login?returnTo=%2Fmha%2Fprofile%3Ftab%3Droles');
    expect(await signInLink({ 'x-original-uri': '/mha/reports' })).toBe('/auth/login?returnTo=%2Fmha%2Freports');
    // Never an off-site location, whatever the header says: return-to.ts collapses it to the default.
    for (const hostile of ['//evil.example/phish', 'https://evil.example/', '/\\evil.example', '/%2F%2Fevil.example']) {
      expect(await signInLink({ 'x-forwarded-uri': hostile }), hostile).toBe('/auth/login?returnTo=%2Fmha%2F');
    }
    expect(await signInLink({})).toBe('/auth/login?returnTo=%2Fmha%2F');

    const json = await fetch(`${h.baseUrl}/auth/check`, { headers: { accept: 'application/json', 'x-forwarded-uri': '/mha/reports' } });
    expect(json.status).toBe(401);
    expect(await json.json()).toEqual({ error: 'unauthenticated', message: 'Sign-in required.', requestId: expect.any(String) });

    // The link works: sign-in, then back on the page the proxy was asked about.
    const { res, url } = await new Browser().signIn(`${h.baseUrl}${traefik}`);
    expect(res.status).toBe(200);
    expect(url).toBe(`${h.baseUrl}/mha/profile?tab=roles`);
  });

  it('answers 202 with the identity headers and a signed X-MHA-Identity, cheaply: no store write, no Set-Cookie', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    const writes = countStoreWrites(h);
    const user = h.emulator.users.find((u) => u.name === 'B.Simon')!;
    for (let i = 0; i < 20; i++) {
      const res = await browser.request(`${h.baseUrl}/auth/check`);
      expect(res.status).toBe(202);
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('x-ms-client-principal-id')).toBe(user.oid);
      expect(res.headers.get('x-ms-client-principal-idp')).toBe('aad');
      expect(res.headers.get('x-forwarded-user')).toBe(user.oid);
      expect(await res.text()).toBe('');
    }
    expect(writes.count).toBe(0);

    // The token verifies against the published key set, with our issuer and (no upstream) our own origin as audience.
    const res = await browser.request(`${h.baseUrl}/auth/check`);
    const jwks = (await (await fetch(`${h.baseUrl}/auth/identity-jwks.json`)).json()) as Parameters<typeof createLocalJWKSet>[0];
    const { payload, protectedHeader } = await jwtVerify(res.headers.get('x-mha-identity')!, createLocalJWKSet(jwks), {
      issuer: h.baseUrl,
      audience: h.baseUrl,
      algorithms: ['RS256'],
    });
    expect(protectedHeader.kid).toBe(jwks.keys[0]!.kid);
    expect(payload).toMatchObject({ sub: user.oid, tid: h.emulator.tenantId, email: 'B.Simon@contoso.com' });
    expect(JSON.stringify(jwks)).not.toMatch(/"d":/);
  });

  it('answers 403 when the original URI needs a role the user lacks (/mha/admin), as the built-in pages do', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    const admin = await browser.request(`${h.baseUrl}/auth/check`, { headers: { 'x-original-uri': '/mha/admin/settings?x=1' } });
    expect(admin.status).toBe(403);
    expect(admin.headers.get('x-ms-client-principal-id')).toBeNull();
    const traefik = await browser.request(`${h.baseUrl}/auth/check`, { headers: { 'x-forwarded-uri': '/MHA/Admin' } });
    expect(traefik.status).toBe(403);
    const page = await browser.request(`${h.baseUrl}/auth/check`, { headers: { 'x-original-uri': '/mha/reports' } });
    expect(page.status).toBe(202);
  });

  it('refreshes the idle clock once per touch interval (one write, one Set-Cookie), and 401s after idle timeout', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    const writes = countStoreWrites(h);
    h.advance(h.config.session.touchIntervalMs + 1000);
    const refreshed = await browser.request(`${h.baseUrl}/auth/check`);
    expect(refreshed.status).toBe(202);
    expect(refreshed.headers.getSetCookie().some((c) => c.startsWith('mha.sid='))).toBe(true);
    expect(writes.count).toBe(1);
    const next = await browser.request(`${h.baseUrl}/auth/check`);
    expect(next.status).toBe(202);
    expect(next.headers.getSetCookie()).toEqual([]);
    expect(writes.count).toBe(1);

    h.advance(h.config.session.idleTimeoutMs + 1000);
    const expired = await browser.request(`${h.baseUrl}/auth/check`);
    expect(expired.status).toBe(401);
  });
});

describe('a real nginx with auth_request in front of a backend, gated by /auth/check', () => {
  let h: Harness;
  let up: Upstream;
  let nginx: Nginx;
  beforeAll(async () => {
    up = await startUpstream();
    h = await startHarness();
    nginx = await startNginx(h.baseUrl, up.url);
  });
  afterAll(async () => {
    await nginx?.close();
    await h?.close();
    await up?.close();
  });

  it('sends a signed-out visitor to sign-in, through nginx to this server, and never reaches the backend', async () => {
    const before = up.received.length;
    const res = await fetch(`${nginx.url}/mha/echo?x=1`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${nginx.url}/auth/login?returnTo=/mha/echo?x=1`);
    // The README's `location ~ ^/(auth|assets)/` serves sign-in from this server on nginx's host.
    const login = await fetch(res.headers.get('location')!, { redirect: 'manual' });
    expect(login.status).toBe(302);
    expect(login.headers.get('location')!.startsWith(`${h.emulator.authorityHost}/${h.emulator.tenantId}/oauth2/v2.0/authorize?`)).toBe(true);
    expect((await fetch(`${nginx.url}/assets/styles.css`)).status).toBe(200);
    // So are the language links our pages carry (signed out too).
    const lang = await fetch(`${nginx.url}/lang/ja?returnTo=/mha/`, { redirect: 'manual' });
    expect(lang.status).toBe(303);
    expect(lang.headers.getSetCookie().join()).toMatch(/=ja;/);
    // /auth/check is internal: a client cannot ask it through nginx.
    expect((await fetch(`${nginx.url}/auth/check`)).status).toBe(404);
    expect(up.received.length).toBe(before);
  });

  it('lets a signed-in user through with our identity headers, replacing spoofed ones', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    // Cookies are per host, not port: the jar sends the session cookie to nginx on the same host.
    const res = await browser.request(`${nginx.url}/mha/echo`, {
      headers: {
        accept: 'application/json',
        'X-MS-CLIENT-PRINCIPAL-ID': 'attacker',
        'X-Forwarded-User': 'admin',
        'X-MS-TOKEN-AAD-ID-TOKEN': 'forged',
        // What CGI/PHP would read as X-MS-CLIENT-PRINCIPAL-NAME: nginx drops names with underscores by default.
        X_MS_CLIENT_PRINCIPAL_NAME: 'attacker',
      },
    });
    expect(res.status).toBe(200);
    const { headers } = (await res.json()) as { headers: Record<string, string> };
    const user = h.emulator.users.find((u) => u.name === 'B.Simon')!;
    expect(headers['x-ms-client-principal-id']).toBe(user.oid);
    expect(headers['x-forwarded-user']).toBe(user.oid);
    expect(headers['x-ms-token-aad-id-token']).toBeUndefined();
    expect(headers['x_ms_client_principal_name']).toBeUndefined();
    expect(JSON.stringify(headers)).not.toContain('attacker');
    const principal = JSON.parse(Buffer.from(headers['x-ms-client-principal']!, 'base64').toString('utf8')) as { auth_typ: string };
    expect(principal.auth_typ).toBe('aad');
  });
});
