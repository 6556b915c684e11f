import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { DEFAULT_USERS, type EmulatorUser } from '../../src/dev/emulator.js';
import { isIdentityHeader } from '../../src/gateway/identity-headers.js';
import { Browser } from '../support/browser.js';
import { startHarness, type Harness } from '../support/harness.js';
import { startNginx, type Nginx } from '../support/nginx.js';
import { ITEM_5_HEADERS } from '../support/spoofed-headers.js';
import { rawExchange } from '../support/raw-http.js';
import { startTcpCounter, type TcpCounter } from '../support/tcp-counter.js';
import { startUpstream, type Received, type Upstream } from '../support/upstream.js';

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

/** /auth/check as a proxy asks it: the original URI in X-Forwarded-Uri (AUTH_CHECK_URI_HEADER's default). */
const asked = (uri = '/mha/', headers: Record<string, string> = {}) => ({ headers: { 'x-forwarded-uri': uri, ...headers } });

describe('GET /auth/check (no upstream: nginx auth_request / Traefik forwardAuth)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ env: { UPSTREAM_JWT_KEY: RSA_KEY } });
  });
  afterEach(async () => {
    await h.close();
  });

  it('answers 401 without a session: no redirect, no cookie, no session created', async () => {
    const res = await fetch(`${h.baseUrl}/auth/check`, { redirect: 'manual', headers: { cookie: 'mha.sid=s%3Aforged.sig', 'x-forwarded-uri': '/mha/' } });
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
    // X-Forwarded-Uri: Traefik's forwardAuth sets it, and the README's nginx snippet does too.
    const traefik = await signInLink({ 'x-forwarded-uri': '/mha/profile?tab=roles' });
    expect(traefik).toBe('/auth/login?returnTo=%2Fmha%2Fprofile%3Ftab%3Droles');
    // The link goes to the canonical path, the one that was judged.
    expect(await signInLink({ 'x-forwarded-uri': '/mha/x/../reports' })).toBe('/auth/login?returnTo=%2Fmha%2Freports');
    // An address that could lead off-site is not even judged: 403 (the deny auth_request understands), no link to it.
    for (const hostile of ['//evil.example/phish', 'https://evil.example/', '/\\evil.example', '/%2F%2Fevil.example']) {
      const res = await fetch(`${h.baseUrl}/auth/check`, { redirect: 'manual', headers: { ...html, 'x-forwarded-uri': hostile } });
      expect(res.status, hostile).toBe(403);
      expect(await res.text(), hostile).not.toContain('evil.example');
    }

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
      const res = await browser.request(`${h.baseUrl}/auth/check`, asked());
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
    const res = await browser.request(`${h.baseUrl}/auth/check`, asked());
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
    const admin = await browser.request(`${h.baseUrl}/auth/check`, asked('/mha/admin/settings?x=1'));
    expect(admin.status).toBe(403);
    expect(admin.headers.get('x-ms-client-principal-id')).toBeNull();
    const traefik = await browser.request(`${h.baseUrl}/auth/check`, { headers: { 'x-forwarded-uri': '/MHA/Admin' } });
    expect(traefik.status).toBe(403);
    const page = await browser.request(`${h.baseUrl}/auth/check`, asked('/mha/reports'));
    expect(page.status).toBe(202);
  });

  it('refreshes the idle clock once per touch interval (one write, one Set-Cookie), and 401s after idle timeout', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    const writes = countStoreWrites(h);
    h.advance(h.config.session.touchIntervalMs + 1000);
    const refreshed = await browser.request(`${h.baseUrl}/auth/check`, asked());
    expect(refreshed.status).toBe(202);
    expect(refreshed.headers.getSetCookie().some((c) => c.startsWith('mha.sid='))).toBe(true);
    expect(writes.count).toBe(1);
    const next = await browser.request(`${h.baseUrl}/auth/check`, asked());
    expect(next.status).toBe(202);
    expect(next.headers.getSetCookie()).toEqual([]);
    expect(writes.count).toBe(1);

    h.advance(h.config.session.idleTimeoutMs + 1000);
    const expired = await browser.request(`${h.baseUrl}/auth/check`, asked());
    expect(expired.status).toBe(401);
  });
});

describe('issue 14 item 3: /auth/check judges exactly one original URI, canonical', () => {
  let h: Harness;
  let simon: Browser;
  let admin: Browser;
  beforeAll(async () => {
    h = await startHarness();
    simon = new Browser({ accept: 'application/json' });
    await simon.signIn(`${h.baseUrl}/auth/login`);
    admin = new Browser({ accept: 'application/json' });
    await admin.signIn(`${h.baseUrl}/auth/login`, 'A.Admin');
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const check = async (browser: Browser, headers: Record<string, string>) => {
    const res = await browser.request(`${h.baseUrl}/auth/check`, { headers });
    const body = res.status === 202 ? undefined : ((await res.json()) as { error: string });
    return { status: res.status, error: body?.error, identity: res.headers.get('x-ms-client-principal-id') };
  };

  it('issue 14 item 3: a client-sent header cannot pick the path: only AUTH_CHECK_URI_HEADER counts, and a contradiction is refused', async () => {
    // What item 3 found: the client's X-Forwarded-Uri turned a 403 on /mha/admin/secret into a 202.
    expect(await check(simon, { 'x-original-uri': '/mha/admin/secret', 'x-forwarded-uri': '/mha/' })).toMatchObject({ status: 400, error: 'original_uri_conflict', identity: null });
    expect(await check(simon, { 'x-forwarded-uri': '/mha/', 'x-original-uri': '/mha/admin/secret' })).toMatchObject({ status: 400, error: 'original_uri_conflict' });
    // The other header alone is not trusted: nothing names the original URI.
    expect(await check(simon, { 'x-original-uri': '/mha/' })).toMatchObject({ status: 400, error: 'original_uri_missing', identity: null });
    expect(await check(simon, {})).toMatchObject({ status: 400, error: 'original_uri_missing' });
    // Both naming the same URI is no contradiction.
    expect(await check(simon, { 'x-forwarded-uri': '/mha/reports', 'x-original-uri': '/mha/reports' })).toMatchObject({ status: 202 });
    expect(await check(simon, { 'x-forwarded-uri': '/mha/admin/secret', 'x-original-uri': '/mha/admin/secret' })).toMatchObject({ status: 403, error: 'missing_role' });
  });

  it('issue 14 item 3: the trusted header repeated (one from the proxy, one from the client) is refused', async () => {
    const { port } = new URL(h.baseUrl);
    const cookie = `mha.sid=${simon.cookie(h.baseUrl, 'mha.sid')!}`;
    for (const pair of [['/mha/', '/mha/admin/secret'], ['/mha/admin/secret', '/mha/']]) {
      const res = await rawExchange(
        h.baseUrl,
        `GET /auth/check HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nCookie: ${cookie}\r\nAccept: application/json\r\n` +
          `X-Forwarded-Uri: ${pair[0]}\r\nx-forwarded-uri: ${pair[1]}\r\nConnection: close\r\n\r\n`,
      );
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'original_uri_conflict' });
      expect(res.headers['x-ms-client-principal-id']).toBeUndefined();
    }
  });

  it('issue 14 item 3: the path tricks of item 2 are judged on the canonical path: the admin role is still needed', async () => {
    for (const uri of ['/mha/./admin/x', '/mha/x/../admin/x', '/mha/%2e/admin/x', '/mha/%2E%2E/mha/admin', '/MHA/ADMIN/x', '/mha/%61dmin/x', '/mha/admin', '/mha/admin?x=/../..']) {
      expect(await check(simon, { 'x-forwarded-uri': uri }), uri).toMatchObject({ status: 403, error: 'missing_role', identity: null });
      expect(await check(admin, { 'x-forwarded-uri': uri }), uri).toMatchObject({ status: 202 });
    }
    // What backends read in more than one way is denied to everyone, admins included (403, which auth_request understands).
    for (const uri of ['/mha/admin\\x', '/mha/%2Fadmin', '/mha/%5cadmin', '/mha/admin;x=1', '//mha/admin', '/mha//admin', '/mha/admin%00', '/../mha', '/mha/admin./x', 'mha/x', '/mha/%252e%252e/admin']) {
      expect(await check(simon, { 'x-forwarded-uri': uri }), uri).toMatchObject({ status: 403, error: 'ambiguous_path', identity: null });
      expect(await check(admin, { 'x-forwarded-uri': uri }), uri).toMatchObject({ status: 403, error: 'ambiguous_path', identity: null });
    }
    // Outside the admin prefix, as before.
    expect(await check(simon, { 'x-forwarded-uri': '/mha/admin-guide' })).toMatchObject({ status: 202 });
    expect(await check(simon, { 'x-forwarded-uri': '/mha/x/../reports' })).toMatchObject({ status: 202 });
  });

  it('issue 14 item 3: only /auth/check itself answers: not /auth/check/, /Auth/Check or /auth/check;x', async () => {
    const headers = { 'x-forwarded-uri': '/mha/' };
    expect((await simon.request(`${h.baseUrl}/auth/check`, { headers })).status).toBe(202);
    for (const [path, status] of [['/auth/check/', 404], ['/Auth/Check', 404], ['/AUTH/CHECK/', 404], ['/auth/check/x', 404], ['/auth/check;x', 400], ['/auth/check%2F', 400]] as const) {
      const res = await simon.request(`${h.baseUrl}${path}`, { headers });
      expect(res.status, path).toBe(status);
      expect(res.headers.get('x-ms-client-principal-id'), path).toBeNull();
    }
  });

  it('issue 14 item 3: AUTH_CHECK_URI_HEADER=X-Original-URI trusts that header instead, and refuses X-Forwarded-Uri contradicting it', async () => {
    const other = await startHarness({ env: { AUTH_CHECK_URI_HEADER: 'X-Original-URI' } });
    try {
      const b = new Browser({ accept: 'application/json' });
      await b.signIn(`${other.baseUrl}/auth/login`);
      const status = async (headers: Record<string, string>) => (await b.request(`${other.baseUrl}/auth/check`, { headers })).status;
      expect(await status({ 'x-original-uri': '/mha/' })).toBe(202);
      expect(await status({ 'x-original-uri': '/mha/admin/x' })).toBe(403);
      expect(await status({ 'x-original-uri': '/mha/admin/x', 'x-forwarded-uri': '/mha/' })).toBe(400);
      expect(await status({ 'x-forwarded-uri': '/mha/' })).toBe(400);
    } finally {
      await other.close();
    }
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

  it("issue 14 item 3: a client's own X-Forwarded-Uri or X-Original-URI cannot open /mha/admin through nginx", async () => {
    const simon = new Browser();
    await simon.signIn(`${h.baseUrl}/auth/login`);
    const before = up.received.length;
    const spoofs: Array<Record<string, string>> = [{ 'X-Forwarded-Uri': '/mha/' }, { 'X-Original-URI': '/mha/' }, { 'X-Forwarded-Uri': '/mha/', 'X-Original-URI': '/mha/' }];
    for (const spoof of spoofs) {
      const res = await simon.request(`${nginx.url}/mha/admin/secret`, { headers: { accept: 'application/json', ...spoof } });
      expect(res.status, JSON.stringify(spoof)).toBe(403);
      await res.text();
    }
    expect(up.received.length).toBe(before);
    // The same headers on a page B.Simon may open change nothing either: nginx replaced them.
    const page = await simon.request(`${nginx.url}/mha/echo`, { headers: { accept: 'application/json', 'X-Forwarded-Uri': '/mha/admin/' } });
    expect(page.status).toBe(200);
    await page.text();
    // /auth/check/ (trailing slash) is not /auth/check: nginx's `internal` cannot be walked around.
    for (const path of ['/auth/check/', '/auth/check/x', '/auth/check?x=1']) {
      const res = await simon.request(`${nginx.url}${path}`, { headers: { accept: 'application/json', 'X-Forwarded-Uri': '/mha/' } });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('x-ms-client-principal-id'), path).toBeNull();
      await res.text();
    }
  });

  it('issue 14 item 3: path tricks through nginx are judged as the backend reads them (raw request lines)', async () => {
    const simon = new Browser();
    await simon.signIn(`${h.baseUrl}/auth/login`);
    const admin = new Browser();
    await admin.signIn(`${h.baseUrl}/auth/login`, 'A.Admin');
    const get = (browser: Browser, target: string) =>
      rawExchange(
        nginx.url,
        `GET ${target} HTTP/1.1\r\nHost: ${new URL(nginx.url).host}\r\nCookie: mha.sid=${browser.cookie(h.baseUrl, 'mha.sid')!}\r\n` +
          'Accept: application/json\r\nX-Forwarded-Uri: /mha/\r\nConnection: close\r\n\r\n',
      );
    const before = up.received.length;
    for (const target of ['/mha/./admin/secret', '/mha/%2e/admin/secret', '/mha/x/../admin/secret', '/mha/x/%2e%2e/admin/secret', '/MHA/ADMIN/secret', '/mha/%61dmin/secret']) {
      expect((await get(simon, target)).status, target).toBe(403);
    }
    // Spellings the backend could read in more than one way are denied to everyone.
    for (const target of ['/mha/admin%2Fsecret', '/mha/admin;x/secret', '/mha/%5cadmin', '/mha/admin./secret']) {
      expect((await get(simon, target)).status, target).toBe(403);
      expect((await get(admin, target)).status, target).toBe(403);
    }
    expect(up.received.length).toBe(before);
    // The admin role still opens the admin pages, spelled either way.
    expect((await get(admin, '/mha/./admin/secret')).status).toBe(200);
    expect((await get(admin, '/mha/admin/secret')).status).toBe(200);
    expect(up.received.length).toBe(before + 2);
  });
});

const groupIds = (n: number) => Array.from({ length: n }, (_, i) => `0a0b0c0d-0000-4000-8000-${String(i + 1).padStart(12, '0')}`);
/** Users in 30 and 200 groups (Entra's most in a token); B.Simon has none. */
const GROUPED: EmulatorUser[] = [
  { username: 'G.Thirty@contoso.com', name: 'G.Thirty', oid: '5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c30', email: 'G.Thirty@contoso.com', groups: groupIds(30) },
  { username: 'G.TwoHundred@contoso.com', name: 'G.TwoHundred', oid: '6f5e4d3c-2b1a-4f0e-9d8c-7b6a5f4e3200', email: 'G.TwoHundred@contoso.com', groups: groupIds(200) },
];
const BY_GROUPS = [
  [0, 'B.Simon'],
  [30, 'G.Thirty'],
  [200, 'G.TwoHundred'],
] as const;
const JWT_SECRET = 'auth-check-identity-secret-0123456789abcdef';
const verifyIdentity = async (token: string, audience: string, issuer: string) =>
  (await jwtVerify(token, new TextEncoder().encode(JWT_SECRET), { issuer, audience, algorithms: ['HS256'] })).payload;
/** Bytes of the identity headers in a response, as they cross the wire (`Name: value\r\n`). */
const identityBytes = (headers: Headers) =>
  [...headers].filter(([name]) => isIdentityHeader(name)).reduce((sum, [name, value]) => sum + name.length + value.length + 4, 0);
/** Bytes of a request's head as the backend parsed it: request line and every header line. */
const requestBytes = (r: Received) =>
  `${r.method} ${r.url} HTTP/1.1\r\n`.length + r.rawHeaders.reduce((sum, v, i) => sum + v.length + (i % 2 === 0 ? 2 : 2), 0) + 2;

describe('issue 14 items 4 and 6: /auth/check answers with capped, request-bound identity', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ users: [...DEFAULT_USERS, ...GROUPED], env: { UPSTREAM_JWT_KEY: JWT_SECRET } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each(BY_GROUPS)('issue 14 item 4: a user in %i groups gets identity headers under 4 KB, with the overage marker when capped', async (groups, name) => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`, name);
    const res = await browser.request(`${h.baseUrl}/auth/check`, { headers: { 'x-forwarded-uri': '/mha/reports', 'x-forwarded-method': 'GET' } });
    expect(res.status).toBe(202);
    expect(identityBytes(res.headers)).toBeLessThan(4096);
    const user = h.emulator.users.find((u) => u.name === name)!;
    const payload = await verifyIdentity(res.headers.get('x-mha-identity')!, h.baseUrl, h.baseUrl);
    if (groups === 0) {
      expect(res.headers.get('x-mha-groups-overage')).toBeNull();
      expect(payload['groups']).toEqual([]);
    } else {
      // 30 groups already weigh more than 4 KB over three headers: none listed, the marker says where to read them.
      const endpoint = `${h.config.entra.graphHost}/v1.0/users/${user.oid}/getMemberObjects`;
      expect(res.headers.get('x-mha-groups-overage')).toBe(endpoint);
      expect(res.headers.get('x-forwarded-groups')).toBeNull();
      expect(payload['groups']).toBeUndefined();
      expect(payload['_claim_sources']).toEqual({ src1: { endpoint } });
      const principal = JSON.parse(Buffer.from(res.headers.get('x-ms-client-principal')!, 'base64').toString('utf8')) as { claims: Array<{ typ: string }> };
      expect(principal.claims.filter((c) => c.typ === 'groups')).toEqual([]);
      expect(principal.claims.map((c) => c.typ)).toContain('_claim_names');
    }
  });

  it('issue 14 item 6: the token names the method and path the proxy asked about (the trusted URI header and its method header), and lives 60 s', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    // The default pair (AUTH_CHECK_URI_HEADER=X-Forwarded-Uri): Traefik's, and what the README's nginx snippet sets.
    const first = await browser.request(`${h.baseUrl}/auth/check`, { headers: { 'x-forwarded-uri': '/mha/reports/2024?page=2', 'x-forwarded-method': 'POST' } });
    expect(first.status).toBe(202);
    const a = await verifyIdentity(first.headers.get('x-mha-identity')!, h.baseUrl, h.baseUrl);
    expect(a).toMatchObject({ mha_method: 'POST', mha_path: '/mha/reports/2024' });
    expect(a.exp! - a.iat!).toBe(60);
    expect(a.jti).toEqual(expect.any(String));

    // The method header not paired with the trusted URI header is not believed.
    const unpaired = await browser.request(`${h.baseUrl}/auth/check`, { headers: { 'x-forwarded-uri': '/mha/profile', 'x-original-method': 'DELETE' } });
    const b = await verifyIdentity(unpaired.headers.get('x-mha-identity')!, h.baseUrl, h.baseUrl);
    expect(b['mha_method']).toBeUndefined();
    expect(b['mha_path']).toBe('/mha/profile');
    expect(b.jti).not.toBe(a.jti);

    // A proxy that names no method: no method claim, so a backend that checks it refuses the token.
    const unnamed = await browser.request(`${h.baseUrl}/auth/check`, { headers: { 'x-forwarded-uri': '/mha/x' } });
    const c = await verifyIdentity(unnamed.headers.get('x-mha-identity')!, h.baseUrl, h.baseUrl);
    expect(c['mha_method']).toBeUndefined();
    expect(c['mha_path']).toBe('/mha/x');
  });

  it('issue 14 item 6: with AUTH_CHECK_URI_HEADER=X-Original-URI the token takes its method from X-Original-Method', async () => {
    const other = await startHarness({ env: { UPSTREAM_JWT_KEY: JWT_SECRET, AUTH_CHECK_URI_HEADER: 'X-Original-URI' } });
    try {
      const browser = new Browser();
      await browser.signIn(`${other.baseUrl}/auth/login`);
      const res = await browser.request(`${other.baseUrl}/auth/check`, { headers: { 'x-original-uri': '/mha/profile', 'x-original-method': 'DELETE' } });
      expect(res.status).toBe(202);
      const t = await verifyIdentity(res.headers.get('x-mha-identity')!, other.baseUrl, other.baseUrl);
      expect(t).toMatchObject({ mha_method: 'DELETE', mha_path: '/mha/profile' });
    } finally {
      await other.close();
    }
  });
});

describe("issue 14 items 4-6: the README's nginx snippet with a real nginx", () => {
  let h: Harness;
  let up: Upstream;
  let nginx: Nginx;
  beforeAll(async () => {
    up = await startUpstream();
    h = await startHarness({ users: [...DEFAULT_USERS, ...GROUPED], env: { UPSTREAM_JWT_KEY: JWT_SECRET } });
    nginx = await startNginx(h.baseUrl, up.url);
  });
  afterAll(async () => {
    await nginx?.close();
    await h?.close();
    await up?.close();
  });

  it.each(BY_GROUPS)('issue 14 item 4: a user in %i groups reaches the backend (no 500) with a request under 8 KB', async (groups, name) => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`, name);
    // A browser's usual headers besides: the backend must still be under 8 KB.
    const res = await browser.request(`${nginx.url}/mha/echo`, {
      headers: {
        accept: 'application/json',
        'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
        'accept-language': 'ja,en-US;q=0.9,en;q=0.8',
        referer: `${nginx.url}/mha/`,
      },
    });
    expect(res.status, nginx.output.join('')).toBe(200);
    const seen = up.received[up.received.length - 1]!;
    expect(seen.url).toBe('/mha/echo');
    expect(requestBytes(seen)).toBeLessThan(8192);
    const user = h.emulator.users.find((u) => u.name === name)!;
    expect(seen.headers['x-ms-client-principal-id']).toBe(user.oid);
    if (groups === 0) expect(seen.headers['x-mha-groups-overage']).toBeUndefined();
    else expect(seen.headers['x-mha-groups-overage']).toBe(`${h.config.entra.graphHost}/v1.0/users/${user.oid}/getMemberObjects`);
  });

  it('issue 14 item 6: the X-MHA-Identity the backend gets names the method and path nginx forwarded', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    for (const [method, path] of [['GET', '/mha/echo'], ['POST', '/mha/reports/x'], ['DELETE', '/mha/items/7']] as const) {
      const res = await browser.request(`${nginx.url}${path}?q=1`, { method, headers: { accept: 'application/json' } });
      expect(res.status).toBe(200);
      const seen = up.received[up.received.length - 1]!;
      expect(seen.method).toBe(method);
      const payload = await verifyIdentity(String(seen.headers['x-mha-identity']), h.baseUrl, h.baseUrl);
      expect(payload).toMatchObject({ mha_method: method, mha_path: path });
      expect(seen.url).toBe(`${payload['mha_path']}?q=1`);
    }
  });

  it('issue 14 item 5: no identity or routing header a signed-in client sends reaches the backend', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    const spoofed = Object.fromEntries(ITEM_5_HEADERS.map((n) => [n, `spoofed-${n}`]));
    const res = await browser.request(`${nginx.url}/mha/echo`, { headers: { ...spoofed, accept: 'application/json', 'x-custom-app': 'dropped-too' } });
    expect(res.status).toBe(200);
    const seen = up.received[up.received.length - 1]!;
    expect(JSON.stringify(seen.rawHeaders)).not.toContain('spoofed');
    expect(seen.headers['x-custom-app']).toBeUndefined();
    // The standard ones pass, and nginx's own forwarding headers are nginx's.
    expect(seen.headers['accept']).toBe('application/json');
    expect(seen.headers['cookie']).toContain('mha.sid=');
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-port']).toBe(new URL(nginx.url).port);
    expect(seen.headers['x-forwarded-user']).toBe(h.emulator.users.find((u) => u.name === 'B.Simon')!.oid);
  });
});

describe("issue 19: the README's nginx snippet keeps its connections alive, with a real nginx", () => {
  let h: Harness;
  let up: Upstream;
  let nginx: Nginx;
  let toApp: TcpCounter;
  let toBackend: TcpCounter;
  beforeAll(async () => {
    up = await startUpstream();
    h = await startHarness();
    // Counted on the way in, so the test sees every connection nginx opens to each server.
    toApp = await startTcpCounter(h.baseUrl);
    toBackend = await startTcpCounter(up.url);
    nginx = await startNginx(toApp.url, toBackend.url);
  });
  afterAll(async () => {
    await nginx?.close();
    await toApp?.close();
    await toBackend?.close();
    await h?.close();
    await up?.close();
  });

  it('issue 19: ten signed-in requests in a row open no new connection to /auth/check or to the backend', async () => {
    const browser = new Browser();
    await browser.signIn(`${h.baseUrl}/auth/login`);
    // The first gated request may open the pools' connections; the next ten must reuse them.
    expect((await browser.request(`${nginx.url}/mha/echo`)).status).toBe(200);
    const app0 = toApp.connections;
    const backend0 = toBackend.connections;
    for (let i = 0; i < 10; i++) {
      const res = await browser.request(`${nginx.url}/mha/echo?i=${i}`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    expect(toApp.connections - app0).toBe(0);
    expect(toBackend.connections - backend0).toBe(0);
    // HTTP/1.1 without `Connection: close` is what lets the backend keep the connection open.
    const last = up.received.at(-1)!;
    expect(last.url).toBe('/mha/echo?i=9');
    expect(last.headers['connection']).toBeUndefined();
  });
});
